// Health checks against the simulator and real PostgreSQL: transitions recorded as a timeline, the REVOKED
// hook, the scheduler, "check now", and webhook notifications (Standard Webhooks signatures, retried from the outbox).
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_ROLES, SIM } from "../../e2e/azure-sim/seed";
import type { RunningWorker } from "../jobs/worker";
import { enqueueProvisioning, runHealthCheckNow } from "../provisioning/service";
import { cmkServicePrincipalId, jobFinished, seedSubmittedTenant, startHarness, startTestWorker, vaultId, waitFor, type ProvisioningHarness } from "../provisioning/testing";
import { setAppEnvForTests } from "../testing/app-env";
import { describeHealthCause } from "./causes";
import type { HealthNotification } from "./notify";
import { queueHealthChecksInWindow, slotTime } from "./scheduler";
import { checkTenantHealth } from "./service";

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const contoso = SIM.customers.contoso;
const contosoKey = { vault: contoso.vaultName, key: contoso.keyName };

let h: ProvisioningHarness;
let worker: RunningWorker;
let receiver: Server;
const received: { body: HealthNotification; valid: boolean }[] = [];
let failNextDeliveries = 0;
let customerTenantId = "";

beforeAll(async () => {
  h = await startHarness("cmk_health");
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      if (failNextDeliveries > 0) {
        failNextDeliveries -= 1;
        res.writeHead(500).end();
        return;
      }
      let valid = true;
      try {
        new Webhook(SECRET).verify(raw, req.headers as Record<string, string>);
      } catch {
        valid = false;
      }
      const { type, data } = JSON.parse(raw) as { type: string; data: HealthNotification };
      expect(type).toBe(data.type);
      received.push({ body: data, valid });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  setAppEnvForTests({ ...h.sim.appEnv(), DATABASE_URL: h.databaseUrl, NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/cmk`, WEBHOOK_SIGNING_SECRET: SECRET, WEBHOOK_ALLOW_HTTP: "true" });
  worker = await startTestWorker(h);
  const { tenant, keyReference } = await seedSubmittedTenant(h.db, h.sim, "contoso");
  customerTenantId = tenant.id;
  const { jobId } = await enqueueProvisioning(h.db, { customerTenantId, keyReferenceId: keyReference.id, rotationToLatest: true, requestedBy: "admin-oid" });
  expect((await jobFinished(h.db, jobId)).status).toBe("SUCCEEDED");
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await h?.close();
  receiver?.close();
});

const check = () => checkTenantHealth(h.db, customerTenantId, { queue: worker.boss });
const timeline = () => h.db.healthEvent.findMany({ where: { customerTenantId }, orderBy: { occurredAt: "asc" } });
const tenantRow = () => h.db.customerTenant.findUniqueOrThrow({ where: { id: customerTenantId } });

function restoreRole() {
  h.sim.state.roleAssignments.set({
    id: `${vaultId("contoso")}/providers/Microsoft.Authorization/roleAssignments/restored`, name: "restored", scope: vaultId("contoso"),
    roleDefinitionId: `/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
    principalId: cmkServicePrincipalId("contoso"), principalType: "ServicePrincipal", createdOn: new Date().toISOString(), effectiveAt: Date.now(),
  });
}

describe("tenant health", () => {
  it("first check: UNKNOWN → HEALTHY, recorded once; an unchanged check adds nothing", async () => {
    expect(await check()).toMatchObject({ status: "checked", state: "HEALTHY", changed: true });
    expect(await check()).toMatchObject({ status: "checked", state: "HEALTHY", changed: false });
    const events = await timeline();
    expect(events.map((e) => [e.fromState, e.toState])).toEqual([["UNKNOWN", "HEALTHY"]]);
    const row = await tenantRow();
    expect(row).toMatchObject({ healthState: "HEALTHY", healthCause: null });
    expect(row.lastHealthCheckAt!.getTime()).toBeGreaterThanOrEqual(row.lastHealthChangeAt!.getTime());
    expect(await h.db.diskEncryptionSet.findFirstOrThrow({ where: { customerTenantId } })).toMatchObject({ healthState: "HEALTHY" });
  });

  it("key disabled → Revoked by customer (signed webhook), re-enabled → HEALTHY (recovery webhook)", async () => {
    h.sim.faults.setKeyEnabled(contosoKey, false);
    expect(await check()).toMatchObject({ state: "REVOKED", cause: "REVOKED_BY_CUSTOMER", changed: true });
    const row = await tenantRow();
    expect(row.healthCause).toBe("REVOKED_BY_CUSTOMER");
    expect(describeHealthCause(row.healthCause ?? "").customerFix).toMatch(/re-enable the key version/i);
    const down = await waitFor(async () => received.find((r) => r.body.cause === "REVOKED_BY_CUSTOMER"), 20_000, "the webhook");
    expect(down).toMatchObject({ valid: true, body: { type: "tenant.health.revoked_by_customer", fromState: "HEALTHY", toState: "REVOKED", tenant: { tenantId: contoso.tenantId } } });
    expect(down.body.customerFix).toBe(describeHealthCause("REVOKED_BY_CUSTOMER").customerFix);

    h.sim.faults.setKeyEnabled(contosoKey, true);
    expect(await check()).toMatchObject({ state: "HEALTHY", changed: true });
    await waitFor(async () => received.find((r) => r.body.type === "tenant.health.recovered" && r.body.fromState === "REVOKED"), 20_000, "the recovery webhook");
  });

  it("the webhook commits with its HealthEvent: with the queue unreachable after the commit, the sweep still delivers it", async () => {
    const unreachableQueue = { send: () => Promise.reject(new Error("queue unreachable")) } as unknown as PgBoss;
    h.sim.faults.setKeyEnabled(contosoKey, false);
    const result = await checkTenantHealth(h.db, customerTenantId, { queue: unreachableQueue });
    expect(result).toMatchObject({ state: "REVOKED", changed: true });
    const eventId = (result.status === "checked" && result.eventId) || "";
    expect(await h.db.webhookDelivery.findUniqueOrThrow({ where: { kind_sourceId: { kind: "health", sourceId: eventId } } })).toMatchObject({ eventType: "tenant.health.revoked_by_customer" });
    const delivered = await waitFor(async () => received.find((r) => r.body.eventId === eventId), 20_000, "the swept webhook");
    expect(delivered.valid).toBe(true);
    h.sim.faults.setKeyEnabled(contosoKey, true);
    expect(await check()).toMatchObject({ state: "HEALTHY", changed: true });
  });

  it("role removed → Revoked by customer, restored → HEALTHY", async () => {
    h.sim.faults.removeRoleAssignments({ principalId: cmkServicePrincipalId("contoso") });
    expect(await check()).toMatchObject({ state: "REVOKED", cause: "REVOKED_BY_CUSTOMER" });
    restoreRole();
    expect(await check()).toMatchObject({ state: "HEALTHY" });
  });

  it("consent removed → KEY_UNREACHABLE/CONSENT_REMOVED (noticed at once, not when a cached token expires)", async () => {
    h.sim.faults.revokeConsent(SIM.cmkAppClientId, contoso.tenantId);
    expect(await check()).toMatchObject({ state: "KEY_UNREACHABLE", cause: "CONSENT_REMOVED" });
    expect((await tenantRow()).consentStatus).toBe("REMOVED");
    h.sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    expect(await check()).toMatchObject({ state: "HEALTHY" });
  });

  it("the timeline keeps every change with its cause, never overwritten", async () => {
    const events = await timeline();
    expect(events.map((e) => `${e.fromState}>${e.toState}:${e.cause ?? ""}`)).toEqual([
      "UNKNOWN>HEALTHY:", "HEALTHY>REVOKED:REVOKED_BY_CUSTOMER", "REVOKED>HEALTHY:",
      "HEALTHY>REVOKED:REVOKED_BY_CUSTOMER", "REVOKED>HEALTHY:",
      "HEALTHY>REVOKED:REVOKED_BY_CUSTOMER", "REVOKED>HEALTHY:", "HEALTHY>KEY_UNREACHABLE:CONSENT_REMOVED", "KEY_UNREACHABLE>HEALTHY:",
    ]);
    expect(await h.db.auditEvent.count({ where: { action: "health.changed", customerTenantId } })).toBe(events.length);
  });

  it("a failing webhook receiver is retried from the outbox until it accepts", async () => {
    failNextDeliveries = 1;
    h.sim.faults.expireKey(contosoKey);
    expect(await check()).toMatchObject({ state: "KEY_UNREACHABLE", cause: "KEY_EXPIRED" });
    const delivered = await waitFor(async () => received.find((r) => r.body.cause === "KEY_EXPIRED"), 40_000, "the retried webhook");
    expect(delivered.valid).toBe(true);
    expect(failNextDeliveries).toBe(0);
    const version = h.sim.state.vaultByName(contoso.vaultName)?.keys.get(contoso.keyName)?.versions.at(-1);
    if (version) version.expires = undefined;
    expect(await check()).toMatchObject({ state: "HEALTHY" });
  }, 60_000);

  it("a tenant revoked by the provider is not turned into an incident", async () => {
    await h.db.customerTenant.update({ where: { id: customerTenantId }, data: { healthState: "REVOKED", healthCause: "REVOKED_BY_PROVIDER" } });
    const before = (await timeline()).length;
    h.sim.faults.setKeyEnabled(contosoKey, false);
    expect(await check()).toMatchObject({ status: "skipped", reason: "revoked" });
    expect((await timeline()).length).toBe(before);
    expect(await tenantRow()).toMatchObject({ healthState: "REVOKED" });
    h.sim.faults.setKeyEnabled(contosoKey, true);
    await h.db.customerTenant.update({ where: { id: customerTenantId }, data: { healthState: "HEALTHY", healthCause: null } });
  });

  it("operator 'check now' runs through the job queue and writes an audit event", async () => {
    const { jobId } = await runHealthCheckNow(h.db, { customerTenantId, requestedBy: "operator-oid", requestId: "req-now" });
    const job = await jobFinished(h.db, jobId);
    expect(job).toMatchObject({ status: "SUCCEEDED", kind: "HEALTH_CHECK", result: { state: "HEALTHY" } });
    expect(await h.db.auditEvent.count({ where: { action: "health.check_now", requestId: "req-now" } })).toBe(1);
  });

  it("the health sweep queues a tenant at its own slot, once per window, and the worker checks it", async () => {
    await h.db.customerTenant.update({ where: { id: customerTenantId }, data: { lastHealthCheckAt: new Date(Date.now() - 60 * 60_000) } });
    const intervalMs = 15 * 60_000;
    // The window of the previous cycle that holds this tenant's slot: the message is due at once.
    const slot = slotTime(customerTenantId, Math.floor(Date.now() / intervalMs) * intervalMs - intervalMs, intervalMs);
    expect(await queueHealthChecksInWindow(h.db, worker.boss, { intervalMinutes: 15, from: slot + 1, to: slot + 60_000 })).toBe(0);
    expect(await queueHealthChecksInWindow(h.db, worker.boss, { intervalMinutes: 15, from: slot - 30_000, to: slot + 30_000 })).toBe(1);
    expect(await queueHealthChecksInWindow(h.db, worker.boss, { intervalMinutes: 15, from: slot - 60_000, to: slot + 1 })).toBe(0);
    await waitFor(async () => ((await tenantRow()).lastHealthCheckAt!.getTime() > Date.now() - 60_000 ? true : undefined), 20_000, "the scheduled check");
  });
});
