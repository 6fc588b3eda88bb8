// One fresh, migrated database per test run (never a non-local one), used as the template from which each
// test file gets a database of its own (see setup.ts); dropped at the end.
import type { TestProject } from "vitest/node";
import { toolingEnv } from "../env";
import { createDisposableDatabase, type DisposableDatabase } from "../db/test-database";

let database: DisposableDatabase | undefined;

export async function setup(project: TestProject) {
  database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_test");
  project.provide("databaseUrl", database.url);
  project.provide("databaseKind", database.kind);
}

export async function teardown() {
  await database?.drop();
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseKind: "postgres" | "embedded";
  }
}
