// A failed server action carries the request's short reference, and its log line the full request id, so support
// can find the failure from what the person quotes.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AppError } from "../errors";
import { logger } from "../logger";
import { withRequestId } from "../request-context";
import { setAppEnvForTests } from "../testing/app-env";
import { testDb } from "../testing/db";
import { defineCustomerAction } from "./actions";
import type { SessionUser } from "./session-store";

const db = testDb();
beforeAll(() => setAppEnvForTests({}));
afterEach(() => vi.restoreAllMocks());

const admin: SessionUser = { idHash: "h", tenantId: "aaaaaaaa-0000-4000-8000-00000000000b", userOid: "0e1b6a1c-1111-4aaa-8bbb-222233334445", userName: "x@contoso.example", displayName: "X", kind: "CUSTOMER", roles: ["Customer.Admin"] };
const REQUEST_ID = "3f9a2c1b-7d4e-4a11-9c2e-0b5d6e7f8a90";

const refuse = defineCustomerAction("test.reference_refuse", z.object({}), async () => {
  throw new AppError("CONFLICT", "Someone else changed this first.", { fix: "Reload and try again." });
});
const crash = defineCustomerAction("test.reference_crash", z.object({}), async () => {
  throw new Error("secret detail from a driver");
});
const succeed = defineCustomerAction("test.reference_ok", z.object({ name: z.string() }), async (ctx) => ctx.requestId);

describe("references on failed actions", () => {
  it("puts the request's short reference on an AppError and logs the full id with the action and code", async () => {
    const info = vi.spyOn(logger, "info");
    const result = await withRequestId(REQUEST_ID, () => refuse.run(admin, {}, db));
    expect(result).toEqual({ ok: false, error: { code: "CONFLICT", message: "Someone else changed this first.", fix: "Reload and try again.", reference: "3f9a2c1b" } });
    expect(info).toHaveBeenCalledWith({ action: "test.reference_refuse", code: "CONFLICT", requestId: REQUEST_ID }, "server action failed");
  });

  it("gives an unexpected error a reference and no raw text; the error is logged under the same id", async () => {
    const error = vi.spyOn(logger, "error");
    const result = await withRequestId(REQUEST_ID, () => crash.run(admin, {}, db));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: "INTERNAL", reference: "3f9a2c1b", fix: expect.stringContaining("this reference") });
    expect(JSON.stringify(result)).not.toContain("secret detail");
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ action: "test.reference_crash", requestId: REQUEST_ID }), "server action threw");
  });

  it("references validation failures too, and hands the request id to the handler", async () => {
    const invalid = await withRequestId(REQUEST_ID, () => succeed.run(admin, { name: 3 }, db));
    expect(invalid).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", reference: "3f9a2c1b" } });
    expect(await withRequestId(REQUEST_ID, () => succeed.run(admin, { name: "n" }, db))).toEqual({ ok: true, data: REQUEST_ID });
  });

  it("outside a request makes its own id: the reference is still a prefix of the logged id", async () => {
    const info = vi.spyOn(logger, "info");
    const result = await refuse.run(admin, {}, db);
    const logged = (info.mock.calls[0]?.[0] as { requestId: string }).requestId;
    expect(result).toMatchObject({ ok: false, error: { reference: logged.slice(0, 8) } });
  });
});
