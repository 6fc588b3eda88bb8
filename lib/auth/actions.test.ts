// The action wrapper's role and step-up rules: Customer.Reader cannot change anything, and destructive staff
// actions need a fresh sign-in (auth_time) and, where configured, the Conditional Access context (acrs).
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { testDb } from "../testing/db";
import { setAppEnvForTests } from "../testing/app-env";
import { defineCustomerAction, defineStaffAction } from "./actions";
import type { SessionUser } from "./session-store";

const db = testDb();
beforeAll(() => setAppEnvForTests({ STEP_UP_MAX_AGE_SECONDS: "600" }));

const base = { idHash: "h", tenantId: "aaaaaaaa-0000-4000-8000-00000000000a", userOid: "0e1b6a1c-1111-4aaa-8bbb-222233334444", userName: "x@contoso.example", displayName: "X" };
const customer = (roles: string[]): SessionUser => ({ ...base, kind: "CUSTOMER", roles });
const staff = (roles: string[], authTime: Date | null, acrs: string[] = []): SessionUser => ({ ...base, kind: "STAFF", roles, authTime, acrs });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

const changeSomething = defineCustomerAction("test.customer_change", z.object({}), async () => "changed");
const readSomething = defineCustomerAction("test.customer_read", z.object({}), async () => "read", { roles: ["Customer.Admin", "Customer.Reader"] });
const destroy = defineStaffAction("test.staff_destroy", ["Support"], z.object({}), async () => "destroyed", { stepUp: true });
const rotate = defineStaffAction("test.staff_rotate", ["Support"], z.object({ keyUrl: z.string().optional() }), async () => "rotated", { stepUp: (input) => Boolean(input.keyUrl) });

describe("customer roles in actions", () => {
  it("needs Customer.Admin to change anything; Customer.Reader is refused", async () => {
    expect(await changeSomething.run(customer(["Customer.Admin"]), {}, db)).toEqual({ ok: true, data: "changed" });
    const refused = await changeSomething.run(customer(["Customer.Reader"]), {}, db);
    expect(refused).toMatchObject({ ok: false, error: { code: "FORBIDDEN", message: expect.stringContaining("Customer.Admin") } });
    expect(await changeSomething.run(customer([]), {}, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });

  it("lets Customer.Reader run what is declared readable", async () => {
    expect(await readSomething.run(customer(["Customer.Reader"]), {}, db)).toEqual({ ok: true, data: "read" });
    expect(readSomething.audience).toEqual({ kind: "customer", roles: ["Customer.Admin", "Customer.Reader"] });
  });
});

describe("step-up", () => {
  it("refuses a sign-in older than STEP_UP_MAX_AGE_SECONDS, or one that did not say when it happened", async () => {
    expect(await destroy.run(staff(["Support"], minutesAgo(2)), {}, db)).toEqual({ ok: true, data: "destroyed" });
    const stale = await destroy.run(staff(["Support"], minutesAgo(30)), {}, db);
    expect(stale).toMatchObject({ ok: false, error: { code: "STEP_UP_REQUIRED", message: expect.stringContaining("30 minutes ago"), fix: expect.stringContaining("Sign in again to confirm") } });
    expect(await destroy.run(staff(["Support"], null), {}, db)).toMatchObject({ ok: false, error: { code: "STEP_UP_REQUIRED" } });
    expect(destroy.stepUp).toBe(true);
  });

  it("checks roles before step-up: another role is refused as such", async () => {
    expect(await destroy.run(staff(["Operator"], minutesAgo(1)), {}, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });

  it("asks for a step-up only for the inputs that need it", async () => {
    expect(await rotate.run(staff(["Support"], minutesAgo(60)), {}, db)).toEqual({ ok: true, data: "rotated" });
    expect(await rotate.run(staff(["Support"], minutesAgo(60)), { keyUrl: "https://v.vault.azure.net/keys/k/0123" }, db)).toMatchObject({ ok: false, error: { code: "STEP_UP_REQUIRED" } });
  });

  it("requires the configured authentication context (STEP_UP_ACRS) in acrs", async () => {
    setAppEnvForTests({ STEP_UP_MAX_AGE_SECONDS: "600", STEP_UP_ACRS: "c1" });
    try {
      expect(await destroy.run(staff(["Support"], minutesAgo(1)), {}, db)).toMatchObject({ ok: false, error: { code: "STEP_UP_REQUIRED", message: expect.stringContaining("Conditional Access") } });
      expect(await destroy.run(staff(["Support"], minutesAgo(1), ["c1"]), {}, db)).toEqual({ ok: true, data: "destroyed" });
    } finally {
      delete process.env.STEP_UP_ACRS;
      setAppEnvForTests({ STEP_UP_MAX_AGE_SECONDS: "600" });
    }
  });
});
