import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { serverEnv } from "../env";
import { poolConfig, type DbConnection } from "./entra-password";

export type Db = PrismaClient;

const globalForPrisma = globalThis as unknown as { cmkPrisma?: PrismaClient };

/** The application's Prisma client (one per process, survives dev hot reloads). */
export function db(): PrismaClient {
  globalForPrisma.cmkPrisma ??= createPrismaClient(poolConfig(serverEnv()));
  return globalForPrisma.cmkPrisma;
}

/** A Prisma client on a connection string, or on node-postgres settings (e.g. an Entra token as the password). */
export function createPrismaClient(connection: string | DbConnection): PrismaClient {
  const config = typeof connection === "string" ? { connectionString: connection } : connection;
  return new PrismaClient({ adapter: new PrismaPg({ ...config, max: 10 }) });
}
