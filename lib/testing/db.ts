import { createPrismaClient, type Db } from "../db/client";
import { toolingEnv } from "../env";

let client: Db | undefined;

/** This test file's own database (see setup.ts). */
export function testDatabaseUrl(): string {
  const url = toolingEnv().DATABASE_URL;
  if (!url) throw new Error("No test database: run tests through vitest (lib/testing/setup.ts sets it)");
  return url;
}

/** Prisma on this test file's own database. */
export function testDb(): Db {
  client ??= createPrismaClient(testDatabaseUrl());
  return client;
}
