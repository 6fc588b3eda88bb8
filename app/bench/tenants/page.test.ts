import { afterEach, describe, expect, it } from "vitest";
import { parseServerEnv } from "@/lib/env";
import { setAppEnvForTests } from "@/lib/testing/app-env";
import BareTenantsPage from "./page";

/** Next.js marks notFound() with this digest; the server turns it into a 404. */
async function digestOf(render: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await render();
    return undefined;
  } catch (error) {
    return (error as { digest?: string }).digest;
  }
}

afterEach(() => {
  delete process.env.BENCH_BARE_PAGE;
});

describe("the benchmark's bare page", () => {
  it("answers 404 unless BENCH_BARE_PAGE=true", async () => {
    setAppEnvForTests();
    expect(await digestOf(BareTenantsPage)).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
    setAppEnvForTests({ BENCH_BARE_PAGE: "false" });
    expect(await digestOf(BareTenantsPage)).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
  });

  it("when enabled, still asks for an operator's session first", async () => {
    setAppEnvForTests({ BENCH_BARE_PAGE: "true" });
    // Outside a request there is no session: the guard gets as far as reading cookies, past the 404.
    expect(await digestOf(BareTenantsPage)).not.toBe("NEXT_HTTP_ERROR_FALLBACK;404");
  });

  it("refuses values other than true and false", () => {
    const base = { DATABASE_URL: "postgresql://x@localhost/db", SESSION_SECRET: "s".repeat(44), PROVIDER_TENANT_ID: "11111111-1111-4111-8111-111111111111" };
    expect(() => parseServerEnv({ ...base, BENCH_BARE_PAGE: "yes" })).toThrow(/BENCH_BARE_PAGE/);
  });
});
