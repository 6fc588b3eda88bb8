import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../testing/db";
import { childEnv } from "../env";

const require = createRequire(import.meta.url);

describe("migrations", () => {
  it("are in sync with prisma/schema.prisma (no drift)", () => {
    const result = spawnSync(
      process.execPath,
      [require.resolve("prisma/build/index.js"), "migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema-datamodel", "prisma/schema.prisma", "--exit-code"],
      { env: childEnv({ DATABASE_URL: testDatabaseUrl() }), encoding: "utf8", timeout: 60_000 },
    );
    // Exit code 2 = the schema differs from what the migrations build; 0 = in sync.
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});
