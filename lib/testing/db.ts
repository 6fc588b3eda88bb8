import { inject } from "vitest";
import { createPrismaClient, type Db } from "../db/client";

let client: Db | undefined;

/** Prisma on this test run's fresh database. */
export function testDb(): Db {
  client ??= createPrismaClient(inject("databaseUrl"));
  return client;
}
