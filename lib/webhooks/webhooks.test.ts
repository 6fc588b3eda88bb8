// The webhook outbox on real PostgreSQL with a local receiver that verifies like a customer would
// (standardwebhooks' Webhook.verify): signed deliveries, refused replays, retries with backoff, a bounded number
// of attempts visible to the operator, support notifications delivered by a worker (not on the request path),
// and no plain http outside the demo.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pino from "pino";
import { EnvError, parseServerEnv } from "../env";
import { closeSharedQueue } from "../jobs/queue";
import { startWorker } from "../jobs/worker";
import { notifyCustomerAdmins } from "../support/notifications";
import { setAppEnvForTests } from "../testing/app-env";
import { testDatabaseUrl, testDb } from "../testing/db";
import { deliverWebhook, signedHeaders, webhookDeliveryStats, type DeliveryResult, type WebhookRetryPolicy } from "./delivery";
import { queueProviderWebhook } from "./outbox";

const db = testDb();
const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const FAST: WebhookRetryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 2_000 };

type Received = { headers: IncomingHttpHeaders; raw: string; body: { type: string; timestamp: string; data: Record<string, unknown> } };
let receiver: Server;
let receiverUrl = "";
let received: Received[] = [];
let answers: number[] = [];
let holdMs = 0;
const seenIds = new Set<string>();

/** What a careful receiver does: verify signature and timestamp (standardwebhooks), then drop repeated ids. */
function receive(headers: IncomingHttpHeaders, raw: string): number {
  try {
    new Webhook(SECRET).verify(raw, headers as Record<string, string>);
  } catch {
    return 400;
  }
  const id = String(headers["webhook-id"]);
  if (seenIds.has(id)) return 409;
  const status = answers.shift() ?? 204;
  if (status < 300) {
    seenIds.add(id);
    received.push({ headers, raw, body: JSON.parse(raw) as Received["body"] });
  }
  return status;
}

const post = (headers: Record<string, string>, raw: string) => fetch(receiverUrl, { method: "POST", headers, body: raw }).then((r) => r.status);
const headersOf = (r: Received): Record<string, string> => ({ "content-type": "application/json", "webhook-id": String(r.headers["webhook-id"]), "webhook-timestamp": String(r.headers["webhook-timestamp"]), "webhook-signature": String(r.headers["webhook-signature"]) });

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let customerTenantId = "";

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      setTimeout(() => res.writeHead(receive(req.headers, raw)).end(), holdMs);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  setAppEnvForTests({ NOTIFY_WEBHOOK_URL: receiverUrl, WEBHOOK_SIGNING_SECRET: SECRET, WEBHOOK_ALLOW_HTTP: "true" });
  const tenant = await db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: "Contoso Webhooks" } });
  customerTenantId = tenant.id;
});

beforeEach(() => {
  received = [];
  answers = [];
  holdMs = 0;
});

afterAll(async () => {
  await closeSharedQueue();
  receiver?.close();
});

const message = (data: Record<string, string> = {}) => ({ kind: "health" as const, eventType: "tenant.health.degraded", sourceId: randomUUID(), data: { note: "key unreachable", ...data } });

describe("webhook outbox", () => {
  it("signs each delivery per Standard Webhooks: the receiver verifies id, timestamp and body", async () => {
    const queued = await queueProviderWebhook(db, message());
    expect(queued?.status).toBe("PENDING");
    expect(await deliverWebhook(db, queued!.id, { policy: FAST })).toBe("delivered");
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.headers["webhook-id"]).toBe(queued!.id);
    expect(got!.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(got!.body).toMatchObject({ type: "tenant.health.degraded", data: { note: "key unreachable" } });
    const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: queued!.id }, include: { attemptLog: true } });
    expect(row).toMatchObject({ status: "DELIVERED", attempts: 1, lastHttpStatus: 204, lastError: null });
    expect(row.attemptLog.map((a) => a.httpStatus)).toEqual([204]);
    // Delivered once: a second wake-up sends nothing.
    expect(await deliverWebhook(db, queued!.id, { policy: FAST })).toBe("not-due");
    expect(received).toHaveLength(1);
  });

  it("queues one webhook per source record, however often it is asked", async () => {
    const m = message();
    const first = await queueProviderWebhook(db, m);
    const second = await queueProviderWebhook(db, m);
    expect(second?.id).toBe(first?.id);
    expect(await db.webhookDelivery.count({ where: { sourceId: m.sourceId } })).toBe(1);
  });

  it("lets the receiver refuse a replay, an old timestamp and a changed body", async () => {
    const queued = await queueProviderWebhook(db, message());
    await deliverWebhook(db, queued!.id, { policy: FAST });
    const [got] = received;
    // The identical request again: the signature holds, the id was seen.
    expect(await post(headersOf(got!), got!.raw)).toBe(409);
    // Correctly signed, but six minutes old (standardwebhooks tolerates five).
    const old = new Date(Date.now() - 6 * 60_000);
    expect(await post(signedHeaders(SECRET, randomUUID(), old, got!.raw), got!.raw)).toBe(400);
    // The body changed under the original signature.
    expect(await post({ ...headersOf(got!), "webhook-id": randomUUID() }, got!.raw.replace("key unreachable", "all fine"))).toBe(400);
    // Signed with another secret.
    const other = `whsec_${randomBytes(32).toString("base64")}`;
    expect(await post(signedHeaders(other, randomUUID(), new Date(), got!.raw), got!.raw)).toBe(400);
    expect(received).toHaveLength(1);
  });

  it("retries after a 500 with backoff, then succeeds, recording every attempt", async () => {
    answers = [500, 503];
    const queued = await queueProviderWebhook(db, message());
    expect(await deliverWebhook(db, queued!.id, { policy: FAST })).toBe("retrying");
    const after500 = await db.webhookDelivery.findUniqueOrThrow({ where: { id: queued!.id } });
    expect(after500).toMatchObject({ status: "PENDING", attempts: 1, lastHttpStatus: 500, lastError: "HTTP 500" });
    expect(after500.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() - 1000);
    const results: DeliveryResult[] = [];
    for (let i = 0; i < 20 && results.at(-1) !== "delivered"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      results.push(await deliverWebhook(db, queued!.id, { policy: FAST }));
    }
    expect(results.filter((r) => r !== "not-due")).toEqual(["retrying", "delivered"]);
    const attempts = await db.webhookAttempt.findMany({ where: { deliveryId: queued!.id }, orderBy: { attempt: "asc" } });
    expect(attempts.map((a) => [a.attempt, a.httpStatus])).toEqual([[1, 500], [2, 503], [3, 204]]);
    expect(received).toHaveLength(1);
  });

  it("gives up after the bounded attempts and shows the failure to the operator", async () => {
    const before = await webhookDeliveryStats(db);
    answers = [500, 500, 500, 500];
    const queued = await queueProviderWebhook(db, { ...message(), eventType: "tenant.health.unreachable" });
    const results: DeliveryResult[] = [];
    for (let i = 0; i < 30 && !results.includes("failed"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      results.push(await deliverWebhook(db, queued!.id, { policy: FAST }));
    }
    expect(results.filter((r) => r !== "not-due")).toEqual(["retrying", "retrying", "failed"]);
    expect(await db.webhookAttempt.count({ where: { deliveryId: queued!.id } })).toBe(3);
    const stats = await webhookDeliveryStats(db);
    expect(stats.failed).toBe(before.failed + 1);
    expect(stats.lastFailure).toMatchObject({ kind: "health", eventType: "tenant.health.unreachable", error: "HTTP 500", attempts: 3 });
    expect(received).toHaveLength(0);
  });

  it("sends a support notification from the worker, not on the request path", async () => {
    holdMs = 1500;
    const started = Date.now();
    const result = await notifyCustomerAdmins(db, { customerTenantId, kind: "REVOCATION_REQUESTED", title: "Revocation requested", message: "A support person asked to revoke access to your key." });
    expect(result.delivery).toBe("QUEUED");
    // Returned without waiting for the slow receiver, and nothing was posted yet.
    expect(Date.now() - started).toBeLessThan(holdMs);
    expect(received).toHaveLength(0);
    expect(await db.customerNotification.findUniqueOrThrow({ where: { id: result.id } })).toMatchObject({ webhookDelivery: "QUEUED" });

    const worker = await startWorker({ databaseUrl: testDatabaseUrl(), concurrency: 1, leaseSeconds: 5, healthIntervalMinutes: 15, scheduleHealth: false, queuePollingSeconds: 0.5, log: pino({ level: "silent" }) });
    try {
      const notification = await waitFor(async () => {
        const row = await db.customerNotification.findUniqueOrThrow({ where: { id: result.id } });
        return row.webhookDelivery === "SENT" && row;
      }, 20_000, "the worker to deliver the notification");
      expect(notification.webhookError).toBeNull();
    } finally {
      await worker.stop();
    }
    // (The worker's sweep also delivers what earlier cases left pending.)
    const support = received.filter((r) => r.body.type.startsWith("customer."));
    expect(support).toHaveLength(1);
    expect(support[0]!.body).toMatchObject({ type: "customer.revocation_requested", data: { notificationId: result.id, customerName: "Contoso Webhooks", title: "Revocation requested" } });
  }, 40_000);
});

describe("where webhooks may go", () => {
  const base = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x", PROVIDER_TENANT_ID: "11111111-1111-4111-8111-111111111111", PORTAL_CLIENT_ID: "22222222-2222-4222-8222-222222222222", CMK_APP_CLIENT_ID: "33333333-3333-4333-8333-333333333333", PROVIDER_SUBSCRIPTION_ID: "44444444-4444-4444-8444-444444444444", PROVIDER_RESOURCE_GROUP: "rg", PROVIDER_UAMI_RESOURCE_ID: "/subscriptions/44444444-4444-4444-8444-444444444444/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id", PROVIDER_UAMI_CLIENT_ID: "55555555-5555-4555-8555-555555555555", PROVIDER_DES_REGIONS: "westeurope", SESSION_SECRET: "x".repeat(44) };
  const problems = (env: Record<string, string>) => {
    try {
      parseServerEnv({ ...base, ...env });
      return [];
    } catch (error) {
      if (error instanceof EnvError) return error.problems;
      throw error;
    }
  };

  it("refuses an http:// webhook URL outside the demo, and a URL without a signing secret, saying how to fix it", () => {
    expect(problems({ NOTIFY_WEBHOOK_URL: "http://hooks.example.com/cmk", WEBHOOK_SIGNING_SECRET: SECRET })).toEqual([
      expect.stringMatching(/^NOTIFY_WEBHOOK_URL: http:\/\/hooks\.example\.com uses plain http: webhooks are only sent over https .*WEBHOOK_ALLOW_HTTP=true/),
    ]);
    expect(problems({ NOTIFY_WEBHOOK_URL: "http://127.0.0.1:9000/hooks", WEBHOOK_SIGNING_SECRET: SECRET, WEBHOOK_ALLOW_HTTP: "true" })).toEqual([]);
    expect(problems({ NOTIFY_WEBHOOK_URL: "https://hooks.example.com/cmk" })).toEqual([expect.stringMatching(/^WEBHOOK_SIGNING_SECRET: missing: webhooks are never sent unsigned/)]);
    expect(problems({ NOTIFY_WEBHOOK_URL: "https://hooks.example.com/cmk", WEBHOOK_SIGNING_SECRET: "plain-secret-0123456789" })).toEqual([expect.stringMatching(/^WEBHOOK_SIGNING_SECRET: must be a Standard Webhooks secret/)]);
    expect(problems({ NOTIFY_WEBHOOK_URL: "https://hooks.example.com/cmk", WEBHOOK_SIGNING_SECRET: SECRET })).toEqual([]);
  });

  it("records an http:// URL from the provider configuration as a failed delivery with the reason, and posts nothing", async () => {
    setAppEnvForTests({ NOTIFY_WEBHOOK_URL: "", WEBHOOK_SIGNING_SECRET: SECRET, WEBHOOK_ALLOW_HTTP: "false" });
    const config = await db.providerConfig.create({
      data: { tenantId: "11111111-1111-4111-8111-111111111111", cmkAppClientId: "33333333-3333-4333-8333-333333333333", subscriptionId: "44444444-4444-4444-8444-444444444444", resourceGroup: "rg", uamiResourceId: "/x", uamiClientId: "55555555-5555-4555-8555-555555555555", desRegions: ["westeurope"], notifyWebhookUrl: receiverUrl },
    });
    try {
      const queued = await queueProviderWebhook(db, message());
      expect(queued?.status).toBe("FAILED");
      expect(await deliverWebhook(db, queued!.id, { policy: FAST })).toBe("not-due");
      const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: queued!.id } });
      expect(row.lastError).toMatch(/^Not sent: http:\/\/127\.0\.0\.1:\d+ uses plain http: webhooks are only sent over https/);
      expect(received).toHaveLength(0);
    } finally {
      await db.providerConfig.delete({ where: { id: config.id } });
      setAppEnvForTests({ NOTIFY_WEBHOOK_URL: receiverUrl, WEBHOOK_SIGNING_SECRET: SECRET, WEBHOOK_ALLOW_HTTP: "true" });
    }
  });
});
