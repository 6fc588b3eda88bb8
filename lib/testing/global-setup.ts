// One fresh, migrated database per test run (never a non-local one), used as the template from which each
// test file gets a database of its own (see setup.ts); dropped at the end. Without a local PostgreSQL it
// lives on a throwaway embedded PostgreSQL server, which then also serves the tests' own disposable databases.
import type { TestProject } from "vitest/node";
import { toolingEnv } from "../env";
import { createDisposableDatabase, type DisposableDatabase } from "../db/test-database";

let database: DisposableDatabase | undefined;

export async function setup(project: TestProject) {
  database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_test");
  // Test workers are forked after this, with this environment: tests that make databases of their own
  // (createDisposableDatabase) then use this server instead of starting one each.
  if (database.kind === "embedded") process.env.TEST_DATABASE_ADMIN_URL = database.adminUrl;
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
