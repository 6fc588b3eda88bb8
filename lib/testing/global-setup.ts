// One fresh, migrated database per test run, dropped at the end (never a non-local database).
import type { TestProject } from "vitest/node";
import { toolingEnv } from "../env";
import { createDisposableDatabase, type DisposableDatabase } from "../db/test-database";

let database: DisposableDatabase | undefined;

export async function setup(project: TestProject) {
  database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_test");
  project.provide("databaseUrl", database.url);
}

export async function teardown() {
  await database?.drop();
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
