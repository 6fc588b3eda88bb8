// Microsoft Entra token authentication to PostgreSQL, against the local server behind a front that demands a
// password (the local server trusts every local login, so it alone could not show what is sent): the token is
// the password, reused while fresh and fetched again before it expires.
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toolingEnv } from "../env";
import { openQueue } from "../jobs/queue";
import { testDatabaseUrl } from "../testing/db";
import { startPasswordFront, type PasswordFront } from "../testing/password-front";
import { createPrismaClient } from "./client";
import { POSTGRES_ENTRA_SCOPE, poolConfig, urlWithEntraToken } from "./entra-password";
import { applyMigrations } from "./migrate";
import { createDisposableDatabase } from "./test-database";

const REFRESH_MARGIN_MS = 5 * 60_000;
const admin = new URL(toolingEnv().TEST_DATABASE_ADMIN_URL);
let front: PasswordFront;
let issued: AccessToken[];
let scopes: string[];

/** A managed identity stand-in whose tokens need refreshing 1.5 s after they are issued. */
const credential: TokenCredential = {
  async getToken(scope) {
    scopes.push([scope].flat().join(" "));
    const token = { token: `entra-token-${issued.length + 1}`, expiresOnTimestamp: Date.now() + REFRESH_MARGIN_MS + 1500 };
    issued.push(token);
    return token;
  },
};

function entraConfig(database = "postgres") {
  return poolConfig(
    {
      DATABASE_URL: `postgresql://${admin.username || "postgres"}@127.0.0.1:${front.port}/${database}`,
      DATABASE_AUTH: "entra",
      DATABASE_ENTRA_CLIENT_ID: undefined,
      PROVIDER_UAMI_CLIENT_ID: "55555555-5555-4555-8555-555555555555",
    },
    credential,
  );
}

async function connectOnce(config: pg.ClientConfig): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    await client.query("select 1");
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  front = await startPasswordFront({ host: admin.hostname, port: Number(admin.port || 5432) }, (password) => issued.some((t) => t.token === password));
});
afterAll(async () => {
  await front.stop();
});
beforeEach(() => {
  issued = [];
  scopes = [];
  front.passwords.length = 0;
});

describe("PostgreSQL with Microsoft Entra token authentication (password demanded by a test front; the local server trusts)", () => {
  it("presents the managed identity's database token as the password, reuses it while fresh and fetches a new one before it expires", async () => {
    const config = entraConfig();
    await connectOnce(config);
    await connectOnce(config);
    expect(front.passwords).toEqual(["entra-token-1", "entra-token-1"]);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await connectOnce(config);
    expect(front.passwords).toEqual(["entra-token-1", "entra-token-1", "entra-token-2"]);
    expect(scopes).toEqual([POSTGRES_ENTRA_SCOPE, POSTGRES_ENTRA_SCOPE]);
  });

  it("the app's Prisma client connects with it (the URL's missing password does not override the token)", async () => {
    const prisma = createPrismaClient(entraConfig());
    try {
      await expect(prisma.$queryRaw`select 1 as one`).resolves.toEqual([{ one: 1 }]);
    } finally {
      await prisma.$disconnect();
    }
    expect(front.passwords).toEqual(["entra-token-1"]);
  });

  it("the worker's job queue (pg-boss) connects with it", async () => {
    const boss = await openQueue({ connectionString: "", connection: entraConfig(new URL(testDatabaseUrl()).pathname.slice(1)), schema: "pgboss_entra", poolSize: 1, role: "install" });
    try {
      await expect(boss.getQueue("health_scan")).resolves.toMatchObject({ name: "health_scan" });
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
    expect(new Set(front.passwords)).toEqual(new Set(["entra-token-1"]));
  });

  it("a wrong password is refused by the front, so the test above cannot pass without the token", async () => {
    await expect(connectOnce({ connectionString: `postgresql://postgres:not-a-token@127.0.0.1:${front.port}/postgres` })).rejects.toThrow(/password authentication failed/);
  });

  it("DATABASE_AUTH=password uses DATABASE_URL as it is", () => {
    const url = "postgresql://app:secret@db.example:5432/cmk";
    expect(poolConfig({ DATABASE_URL: url, DATABASE_AUTH: "password", DATABASE_ENTRA_CLIENT_ID: undefined, PROVIDER_UAMI_CLIENT_ID: "55555555-5555-4555-8555-555555555555" })).toEqual({ connectionString: url });
  });
});

describe("migrations as a managed identity (DATABASE_MIGRATION_AUTH=entra)", () => {
  it("prisma migrate deploy signs in with the identity's token in the URL and builds the schema", async () => {
    const database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_entra_migrate", { migrated: false });
    try {
      const name = new URL(database.url).pathname.slice(1);
      const throughFront = `postgresql://${admin.username || "postgres"}@127.0.0.1:${front.port}/${name}`;
      const signedIn = await urlWithEntraToken(throughFront, credential);
      expect(new URL(signedIn).password).toBe("entra-token-1");
      await applyMigrations(signedIn);
      expect(front.passwords.length).toBeGreaterThan(0);
      expect(new Set(front.passwords)).toEqual(new Set(["entra-token-1"]));
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ tables: string }>(`select count(*)::text as tables from information_schema.tables where table_schema = 'public' and table_name = 'AuditEvent'`);
        expect(rows[0]!.tables).toBe("1");
      } finally {
        await client.end();
      }
    } finally {
      await database.drop();
    }
  }, 180_000);

  it("refuses a URL with a password of its own, or with no user, before asking for a token", async () => {
    await expect(urlWithEntraToken("postgresql://owner:secret@db.example/cmk", credential)).rejects.toThrow(/holds a password/);
    await expect(urlWithEntraToken("postgresql://db.example/cmk", credential)).rejects.toThrow(/names no database user/);
    expect(issued).toHaveLength(0);
  });
});
