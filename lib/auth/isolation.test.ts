// Tenant isolation, proven for every registered server action: a customer of tenant A, given inputs that point
// at tenant B, can neither read nor change B; staff-only actions refuse customers. The test fails when an
// action exists without an entry in lib/testing/isolation-cases.ts. What Next.js actually built (every action id
// and route handler in the build's manifests) is checked against the same cases by e2e/isolation-built.spec.ts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { HOSTILE_ACTION_INPUTS, TENANT_B, TENANT_B_VAULT_ID } from "../testing/isolation-cases";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import { registeredActions } from "./actions";
import type { SessionUser } from "./session-store";

const ROOT = path.resolve(import.meta.dirname, "../..");
const B = TENANT_B;
const B_VAULT_ID = TENANT_B_VAULT_ID;
/** The hostile cases are shared with e2e/isolation-built.spec.ts, which checks them against what `next build` produced. */
const HOSTILE_INPUTS = HOSTILE_ACTION_INPUTS;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "generated" || name === "node_modules" ? [] : sourceFiles(full);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

let sim: SimHandle;
const db = testDb();
let customerA: SessionUser;
let tenantBId: string;

async function snapshotOfB() {
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { id: tenantBId }, include: { onboarding: true, keyReferences: true, diskEncryptionSets: true, jobs: true, healthEvents: true } });
  // What Azure holds for tenant B: its vaults, their access policies and keys, and its role assignments.
  const simVaults = sim.state.vaults.under(`/subscriptions/${B.subscriptionId}`).map((v) => ({ name: v.name, accessPolicies: v.accessPolicies, keys: [...v.keys.keys()] }));
  const simRoles = sim.state.roleAssignments.under(`/subscriptions/${B.subscriptionId}`).map((r) => r.id);
  return JSON.stringify({ tenant, simVaults, simRoles });
}

beforeAll(async () => {
  sim = await startSimForTests();
  sim.faults.grantConsent(SIM.cmkAppClientId, SIM.customers.contoso.tenantId);
  sim.faults.grantConsent(SIM.cmkAppClientId, B.tenantId);
  customerA = await sessionFor(sim, db, "contosoAdmin");
  await sessionFor(sim, db, "fabrikamAdmin");
  const tenantB = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: B.tenantId } });
  tenantBId = tenantB.id;
  // Tenant B is mid-onboarding, tenant A has consent and is on its vault step: every action has something to aim at.
  await db.customerTenant.update({ where: { id: tenantB.id }, data: { consentStatus: "GRANTED", servicePrincipalObjectId: "0b0b0b0b-0000-4000-8000-000000000000" } });
  await db.onboarding.update({ where: { customerTenantId: tenantB.id }, data: { step: "ACCESS", vaultResourceId: B_VAULT_ID, subscriptionId: B.subscriptionId, region: "westeurope", permissionModel: "ACCESS_POLICY", keyName: B.keyName } });
  const tenantA = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: customerA.tenantId } });
  await db.customerTenant.update({ where: { id: tenantA.id }, data: { consentStatus: "GRANTED", servicePrincipalObjectId: "0a0a0a0a-0000-4000-8000-000000000000" } });
  await db.onboarding.update({ where: { customerTenantId: tenantA.id }, data: { step: "KEY_VAULT" } });
  for (const file of sourceFiles(path.join(ROOT, "lib"))) {
    if (/define(Customer|Staff)Action\(/.test(readFileSync(file, "utf8")) && !file.endsWith(path.join("auth", "actions.ts"))) await import(file);
  }
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe("tenant isolation of server actions", () => {
  it("knows every action that exists (add a hostile input here for each new action)", () => {
    const missing = registeredActions().map((a) => a.name).filter((name) => !(name in HOSTILE_INPUTS));
    expect(missing, `actions without an isolation case in lib/testing/isolation-cases.ts: ${missing.join(", ")}`).toEqual([]);
    expect(registeredActions().filter((a) => a.audience.kind === "customer").length).toBeGreaterThan(5);
  });

  it("every customer action, aimed at another tenant, leaves that tenant untouched and unseen", async () => {
    for (const action of registeredActions().filter((a) => a.audience.kind === "customer")) {
      const before = await snapshotOfB();
      const result = await action.run(customerA, HOSTILE_INPUTS[action.name], db);
      const shown = JSON.stringify(result);
      expect(await snapshotOfB(), `${action.name} changed tenant B`).toBe(before);
      expect(shown, `${action.name} revealed tenant B`).not.toContain(B.tenantId);
      expect(shown, `${action.name} revealed tenant B's vault`).not.toMatch(/fabrikam/i);
    }
  }, 120_000);

  it("every staff action refuses customers, and customer actions refuse staff", async () => {
    const operator = await sessionFor(sim, db, "operator");
    for (const action of registeredActions()) {
      const caller = action.audience.kind === "staff" ? customerA : operator;
      const result = await action.run(caller, HOSTILE_INPUTS[action.name] ?? {}, db);
      expect(result, action.name).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    }
  });

  it("every action refuses a request without a session", async () => {
    for (const action of registeredActions()) {
      expect(await action.run(null, {}, db), action.name).toMatchObject({ ok: false, error: { code: "UNAUTHENTICATED" } });
    }
  });

  it("server-action files only forward to defined actions (no logic that skips the checks)", () => {
    const serverFiles = sourceFiles(path.join(ROOT, "app")).filter((file) => /^["']use server["']/.test(readFileSync(file, "utf8").trimStart()));
    expect(serverFiles.length).toBeGreaterThan(0);
    for (const file of serverFiles) {
      const source = readFileSync(file, "utf8");
      const exported = source.match(/export async function \w+\([^)]*\)\s*\{[\s\S]*?\n\}/g) ?? [];
      const declared = source.match(/export (async )?function/g) ?? [];
      expect(exported.length, `${path.relative(ROOT, file)}: every export is a one-line forwarder`).toBe(declared.length);
      for (const body of exported) expect(body, path.relative(ROOT, file)).toMatch(/^export async function \w+\((input: unknown)?\)\s*\{\s*return invokeAction\(\w+Action, (input|\{\})\);\s*\}$/);
    }
  });
});
