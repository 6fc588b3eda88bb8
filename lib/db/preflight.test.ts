import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { checkDatabaseReachable } from "./preflight";
import { testDatabaseUrl } from "../testing/db";

async function lineFor(url: string): Promise<string> {
  try {
    await checkDatabaseReachable(url, 2000);
  } catch (error) {
    if (error instanceof AppError) return error.toLine();
    throw error;
  }
  return "reachable";
}

describe("database preflight (one clear line instead of a stack trace)", () => {
  it("accepts the test database", async () => {
    expect(await lineFor(testDatabaseUrl())).toBe("reachable");
  });

  it("explains a URL that is not PostgreSQL", async () => {
    expect(await lineFor("mysql://root@127.0.0.1/db")).toBe(
      "DATABASE_URL is not a PostgreSQL URL. Use postgresql://user:password@host:5432/database, or unset DATABASE_URL to use the embedded database.",
    );
  });

  it("explains an unreachable server, naming where it looked and how to fix it", async () => {
    expect(await lineFor("postgresql://postgres@127.0.0.1:1/cmk")).toBe(
      "Cannot reach the database at 127.0.0.1:1/cmk (ECONNREFUSED). Start PostgreSQL or correct DATABASE_URL; unset DATABASE_URL to use the embedded database instead.",
    );
  });

  it("never shows the password", async () => {
    expect(await lineFor("postgresql://postgres:s3cret@127.0.0.1:1/cmk")).not.toContain("s3cret");
  });
});
