import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { serverEnv } from "../env";

export type Db = PrismaClient;

const globalForPrisma = globalThis as unknown as { cmkPrisma?: PrismaClient };

/** The application's Prisma client (one per process, survives dev hot reloads). */
export function db(): PrismaClient {
  globalForPrisma.cmkPrisma ??= createPrismaClient(serverEnv().DATABASE_URL);
  return globalForPrisma.cmkPrisma;
}

export function createPrismaClient(connectionString: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: 10 }) });
}
