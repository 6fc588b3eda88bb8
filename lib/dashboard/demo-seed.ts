// Demo and benchmark data: many customer tenants with a realistic spread of onboarding progress, DES
// states, key health and 7 days of history. Bulk inserts (one multi-row INSERT … SELECT FROM unnest per
// table and chunk), so 10,000 tenants take seconds. Deterministic for a given seed.
// Seeded data is history, never work: every job is finished (SUCCEEDED or FAILED, in the past) and every
// tenant is marked not monitored, so a running worker neither provisions nor health-checks tenants that do
// not exist in Azure, and the dashboard stays as seeded.
import pg from "pg";
import { AUDIT_CHAIN_LOCK, auditHash, GENESIS_HASH } from "../audit/log";
import type { ActorType, AuditResult } from "../db/generated/prisma/enums";
import { ONBOARDING_STEPS, type OnboardingStepName } from "./filters";

export type DemoSeedOptions = { tenants: number; seed?: number; now?: Date; namePrefix?: string };
export type DemoSeedSummary = { tenants: number; rows: Record<string, number>; millis: number };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CHUNK = 5000;

const REGIONS: [string, number][] = [["westeurope", 34], ["northeurope", 18], ["eastus", 16], ["eastus2", 10], ["uksouth", 9], ["swedencentral", 7], ["germanywestcentral", 6]];
// Where onboardings stop: most finish; access (role assignment) and verification lose the most.
const FINAL_STEP: [OnboardingStepName, number][] = [["SUBMITTED", 80], ["REVIEW", 2], ["VERIFY", 5], ["ACCESS", 5], ["KEY", 3], ["KEY_VAULT", 2], ["CONSENT", 3]];
// Median minutes spent in each step before the next one (role propagation makes ACCESS slow).
const STEP_MINUTES: Record<OnboardingStepName, number> = { CONSENT: 4, KEY_VAULT: 6, KEY: 5, ACCESS: 35, VERIFY: 12, REVIEW: 3, SUBMITTED: 0 };
const DES_STATE: [string, number][] = [["SUCCEEDED", 93], ["FAILED", 3], ["CREATING", 1.5], ["QUEUED", 1], ["UPDATING", 1.5]];
const HEALTH: [string, number][] = [["HEALTHY", 86], ["DEGRADED", 7], ["KEY_UNREACHABLE", 4], ["REVOKED", 3]];
// Health causes from the shared catalogue (lib/health/causes.ts), with the Azure error code a check would see.
const CAUSES: Record<string, string[]> = {
  DEGRADED: ["KEY_EXPIRES_SOON", "AUTO_ROTATION_ERROR", "PURGE_PROTECTION_DISABLED"],
  KEY_UNREACHABLE: ["ROLE_REMOVED", "VAULT_FIREWALL", "FIC_MISSING", "KEY_NOT_FOUND"],
  REVOKED: ["KEY_DISABLED", "KEY_EXPIRED", "CONSENT_REMOVED", "REVOKED_BY_PROVIDER"],
};
const CAUSE_AZURE_CODE: Record<string, string> = {
  KEY_EXPIRES_SOON: "KeyExpiresSoon",
  AUTO_ROTATION_ERROR: "AutoKeyRotationError",
  PURGE_PROTECTION_DISABLED: "PurgeProtectionDisabled",
  ROLE_REMOVED: "ForbiddenByRbac",
  VAULT_FIREWALL: "ForbiddenByFirewall",
  FIC_MISSING: "FederatedIdentityCredentialNotFound",
  KEY_NOT_FOUND: "KeyNotFound",
  KEY_DISABLED: "KeyDisabled",
  KEY_EXPIRED: "KeyExpired",
  CONSENT_REMOVED: "AADSTS700016",
  REVOKED_BY_PROVIDER: "RevokedByProvider",
  AZURE_UNAVAILABLE: "TooManyRequests",
};
const PROVISION_FAILURES = ["KeyVaultAccessForbidden", "ForbiddenByRbac", "InvalidKeyVaultKeyUrl", "FederatedIdentityCredentialNotFound"];
const ERROR_MESSAGES: Record<string, string> = {
  TooManyRequests: "The request was throttled by Azure Resource Manager (429). Retry after the indicated time.",
  KeyVaultAccessForbidden: "The operation 'wrapKey' is not allowed: the caller has no access policy or role on the key vault.",
  ForbiddenByRbac: "Caller is not authorized to perform action 'Microsoft.KeyVault/vaults/keys/wrap/action' on the key.",
  InvalidKeyVaultKeyUrl: "The key URL is not a valid versioned Key Vault key URL.",
  FederatedIdentityCredentialNotFound: "No federated identity credential on the application matches the managed identity.",
  InternalServerError: "Azure returned an internal error; the operation can be retried.",
};

const NAME_A = ["Northwind", "Contoso", "Fabrikam", "Adatum", "Litware", "Proseware", "Tailspin", "Wingtip", "Woodgrove", "Alpine", "Blue Yonder", "Coho", "Lucerne", "Margie's", "Trey", "Wide World", "Humongous", "Graphic", "Fourth Coffee", "Relecloud", "Southridge", "VanArsdel", "Bellows", "Datum", "Lamna", "Munson's", "Nod", "Consolidated", "First Up", "Tasmanian"];
const NAME_B = ["Logistics", "Health", "Bank", "Insurance", "Energy", "Retail", "Media", "Pharma", "Airlines", "Foods", "Motors", "Legal", "Analytics", "Capital", "Telecom", "Studios", "Robotics", "Shipping", "Clinics", "Labs"];
const NAME_C = ["Ltd", "GmbH", "Inc.", "AG", "SA", "BV", "AB", "Group", "Holdings", "plc"];
const KEY_NAMES = ["disk-cmk", "cmk-disks", "saas-data-key", "des-key", "storage-cmk", "tenant-key"];

type Column = { name: string; type: string };
type Table = { name: string; columns: Column[]; rows: unknown[][] };

/** A small deterministic random generator (mulberry32), so a seed reproduces the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function table(name: string, columns: string): Table {
  return { name, columns: columns.split(",").map((c) => { const [n, t] = c.trim().split(":"); return { name: n!, type: t! }; }), rows: [] };
}

/** One INSERT per chunk: columns arrive as text[] arrays and are cast to their SQL types. Names are constants from this file. */
async function insertTable(client: pg.ClientBase, t: Table): Promise<void> {
  for (let start = 0; start < t.rows.length; start += CHUNK) {
    const chunk = t.rows.slice(start, start + CHUNK);
    const params = t.columns.map((_, i) => chunk.map((row) => { const v = row[i]; return v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v); }));
    const cols = t.columns.map((c) => `"${c.name}"`).join(", ");
    const unnest = t.columns.map((_, i) => `$${i + 1}::text[]`).join(", ");
    const select = t.columns.map((c, i) => `u.c${i}::${c.type}`).join(", ");
    const aliases = t.columns.map((_, i) => `c${i}`).join(", ");
    await client.query(`INSERT INTO "${t.name}" (${cols}) SELECT ${select} FROM unnest(${unnest}) WITH ORDINALITY AS u(${aliases}, ord) ORDER BY ord`, params);
  }
}

type AuditRow = { occurredAt: Date; actorType: ActorType; actorId: string; actorTenantId: string | null; actorRole: string | null; action: string; targetType: string | null; targetId: string | null; customerTenantId: string; reason: string | null; result: AuditResult; requestId: string | null; details: Record<string, unknown> | null };

/** Seeds `tenants` customer tenants with everything the dashboard shows. Runs in one transaction. */
export async function seedDemoData(databaseUrl: string, options: DemoSeedOptions): Promise<DemoSeedSummary> {
  const started = Date.now();
  const random = seededRandom(options.seed ?? 20261123);
  const now = options.now ?? new Date();
  const pickWeighted = <T>(items: [T, number][]): T => {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = random() * total;
    for (const [item, w] of items) if ((r -= w) < 0) return item;
    return items[items.length - 1]![0];
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(["8", "9", "a", "b"])}${hex(3)}-${hex(12)}`;
  // Log-normal-ish duration around a median.
  const around = (medianMinutes: number) => medianMinutes * 60_000 * Math.exp((random() - 0.5) * 1.6);

  const tenants = table("CustomerTenant", "id:uuid,tenantId:uuid,displayName:text,primaryDomain:text,consentStatus:\"ConsentStatus\",servicePrincipalObjectId:uuid,consentGrantedAt:timestamp,healthState:\"HealthState\",healthCause:text,lastHealthCheckAt:timestamp,lastHealthChangeAt:timestamp,monitored:boolean,createdAt:timestamp,updatedAt:timestamp");
  const onboardings = table("Onboarding", "id:uuid,customerTenantId:uuid,step:\"OnboardingStep\",subscriptionId:uuid,vaultResourceId:text,permissionModel:\"VaultPermissionModel\",region:text,submittedAt:timestamp,createdAt:timestamp,updatedAt:timestamp");
  const stepEvents = table("OnboardingStepEvent", "id:uuid,onboardingId:uuid,step:\"OnboardingStep\",enteredAt:timestamp,actorOid:text");
  const keys = table("KeyReference", "id:uuid,customerTenantId:uuid,vaultResourceId:text,vaultUri:text,keyName:text,keyVersion:text,keyUrl:text,keyType:text,keySize:int,permissionModel:\"VaultPermissionModel\",region:text,createdAt:timestamp,updatedAt:timestamp");
  const desTable = table("DiskEncryptionSet", "id:uuid,customerTenantId:uuid,region:text,name:text,armId:text,provisioningState:\"DesProvisioningState\",healthState:\"HealthState\",keyReferenceId:uuid,rotationToLatest:boolean,lastErrorCode:text,lastErrorMessage:text,createdAt:timestamp,updatedAt:timestamp");
  const jobs = table("Job", "id:uuid,kind:\"JobKind\",status:\"JobStatus\",idempotencyKey:text,customerTenantId:uuid,payload:jsonb,attempts:int,lastErrorCode:text,lastErrorMessage:text,requestedBy:text,startedAt:timestamp,finishedAt:timestamp,createdAt:timestamp,updatedAt:timestamp");
  const attempts = table("JobAttempt", "id:uuid,jobId:uuid,attempt:int,startedAt:timestamp,finishedAt:timestamp,errorCode:text,errorMessage:text");
  const healthEvents = table("HealthEvent", "id:uuid,customerTenantId:uuid,fromState:\"HealthState\",toState:\"HealthState\",cause:text,detail:text,occurredAt:timestamp");
  const audit: AuditRow[] = [];

  const usedNames = new Set<string>();
  const providerSubscription = uuid();

  for (let i = 0; i < options.tenants; i++) {
    const id = uuid();
    const tenantId = uuid();
    let displayName = `${options.namePrefix ?? ""}${pick(NAME_A)} ${pick(NAME_B)} ${pick(NAME_C)}`;
    if (usedNames.has(displayName)) displayName = `${displayName} ${i}`;
    usedNames.add(displayName);
    const slug = displayName.toLowerCase().replace(/[^a-z0-9]+/g, "").slice(0, 14) || "tenant";
    const adminOid = uuid();
    const finalStep = pickWeighted(FINAL_STEP);
    const finalIndex = ONBOARDING_STEPS.indexOf(finalStep);
    // Onboardings started over the last 90 days; stalled ones mostly recently.
    const createdAt = new Date(now.getTime() - (finalStep === "SUBMITTED" ? 8 * DAY + random() * 82 * DAY : random() * 30 * DAY));
    const region = pickWeighted(REGIONS);
    const permissionModel = random() < 0.8 ? "RBAC" : "ACCESS_POLICY";
    const customerSubscription = uuid();
    const vaultName = `kv-${slug.slice(0, 12)}-${hex(4)}`;
    const vaultResourceId = `/subscriptions/${customerSubscription}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/${vaultName}`;
    const vaultUri = `https://${vaultName}.vault.azure.net`;

    const onboardingId = uuid();
    let at = createdAt.getTime();
    for (let s = 0; s <= finalIndex; s++) {
      const step = ONBOARDING_STEPS[s]!;
      stepEvents.rows.push([uuid(), onboardingId, step, new Date(at), adminOid]);
      if (s < finalIndex) at += around(STEP_MINUTES[step]);
    }
    const submittedAt = finalStep === "SUBMITTED" ? new Date(at) : null;
    const lastStepAt = new Date(at);

    // A key exists from the KEY step on.
    let keyId: string | null = null;
    let keyUrl = "";
    if (finalIndex >= ONBOARDING_STEPS.indexOf("KEY")) {
      keyId = uuid();
      const keyName = pick(KEY_NAMES);
      const version = hex(32);
      keyUrl = `${vaultUri}/keys/${keyName}/${version}`;
      keys.rows.push([keyId, id, vaultResourceId, vaultUri, keyName, version, keyUrl, random() < 0.3 ? "RSA-HSM" : "RSA", pick([2048, 3072, 4096]), permissionModel, region, new Date(createdAt.getTime() + 10 * 60_000), lastStepAt]);
    }
    onboardings.rows.push([onboardingId, id, finalStep, finalIndex >= 1 ? customerSubscription : null, finalIndex >= 1 ? vaultResourceId : null, finalIndex >= 1 ? permissionModel : null, finalIndex >= 1 ? region : null, submittedAt, createdAt, lastStepAt]);
    audit.push({ occurredAt: new Date(createdAt.getTime() + 60_000), actorType: "CUSTOMER", actorId: adminOid, actorTenantId: tenantId, actorRole: "CustomerAdmin", action: "consent.granted", targetType: "CustomerTenant", targetId: id, customerTenantId: id, reason: null, result: "SUCCESS", requestId: uuid(), details: null });

    let healthState = "UNKNOWN";
    let healthCause: string | null = null;
    let lastHealthCheckAt: Date | null = null;
    let lastHealthChangeAt: Date | null = null;

    if (submittedAt && keyId) {
      audit.push({ occurredAt: submittedAt, actorType: "CUSTOMER", actorId: adminOid, actorTenantId: tenantId, actorRole: "CustomerAdmin", action: "onboarding.submitted", targetType: "Onboarding", targetId: onboardingId, customerTenantId: id, reason: null, result: "SUCCESS", requestId: uuid(), details: { keyUrl } });
      const desRegions = random() < 0.08 ? [region, pick(REGIONS.filter(([r]) => r !== region))[0]] : [region];
      let anyFailed = false;
      let anyProvisioning = false;
      for (const [d, desRegion] of desRegions.entries()) {
        const desId = uuid();
        const state = d === 0 ? pickWeighted(DES_STATE) : "SUCCEEDED";
        const name = `des-${slug.slice(0, 20)}-${desRegion}`;
        const armId = state === "QUEUED" ? null : `/subscriptions/${providerSubscription}/resourceGroups/rg-cmk-des/providers/Microsoft.Compute/diskEncryptionSets/${name}-${hex(6)}`;
        // Provisioning job, finished: throttling retries are common; failures end on an access error. A DES
        // still queued or being created is shown by its state alone, without a job a worker would pick up.
        const failure = state === "FAILED" ? pick(PROVISION_FAILURES) : null;
        const inFlight = state === "QUEUED" || state === "CREATING";
        const attemptCount = inFlight ? 0 : state === "FAILED" ? 3 + Math.floor(random() * 3) : random() < 0.25 ? 2 + Math.floor(random() * 2) : 1;
        let attemptAt = submittedAt.getTime() + 5_000;
        if (!inFlight) {
          const jobId = uuid();
          for (let a = 1; a <= attemptCount; a++) {
            const code = a === attemptCount ? failure : random() < 0.7 ? "TooManyRequests" : "InternalServerError";
            const finished = new Date(attemptAt + 20_000 + random() * 60_000);
            attempts.rows.push([uuid(), jobId, a, new Date(attemptAt), finished, code, code ? ERROR_MESSAGES[code] : null]);
            attemptAt = finished.getTime() + 30_000 * 2 ** a;
          }
          const finishedAt = new Date(Math.min(attemptAt, now.getTime() - 60_000));
          jobs.rows.push([jobId, "PROVISION_DES", failure ? "FAILED" : "SUCCEEDED", `seed:provision:${desId}`, id, { diskEncryptionSetId: desId, keyUrl, region: desRegion }, attemptCount, failure, failure ? ERROR_MESSAGES[failure] : null, "system", submittedAt, finishedAt, submittedAt, finishedAt]);
        }
        desTable.rows.push([desId, id, desRegion, name, armId, state, "UNKNOWN", keyId, true, failure, failure ? ERROR_MESSAGES[failure] : null, submittedAt, new Date(attemptAt)]);
        if (failure) audit.push({ occurredAt: new Date(attemptAt), actorType: "SYSTEM", actorId: "provisioning-worker", actorTenantId: null, actorRole: null, action: "provisioning.failed", targetType: "DiskEncryptionSet", targetId: desId, customerTenantId: id, reason: null, result: "FAILURE", requestId: null, details: { azureCode: failure } });
        anyFailed ||= state === "FAILED";
        anyProvisioning ||= state === "QUEUED" || state === "CREATING";
        if (d === 0 && state !== "FAILED" && state !== "QUEUED" && state !== "CREATING") {
          // Health history: healthy once provisioned, occasional blips in the last 7 days, then the current state.
          const provisionedAt = new Date(attemptAt);
          const current = pickWeighted(HEALTH);
          healthEvents.rows.push([uuid(), id, "UNKNOWN", "HEALTHY", null, null, provisionedAt]);
          let state_ = "HEALTHY";
          let changedAt = provisionedAt;
          const blips = random() < 0.25 ? 1 + Math.floor(random() * 3) : 0;
          for (let b = 0; b < blips; b++) {
            const blipAt = new Date(Math.max(provisionedAt.getTime() + HOUR, now.getTime() - random() * 7 * DAY));
            if (blipAt <= changedAt || blipAt.getTime() > now.getTime() - 2 * HOUR) continue;
            const cause = random() < 0.6 ? "AZURE_UNAVAILABLE" : pick(CAUSES.KEY_UNREACHABLE!);
            const blipState = cause === "AZURE_UNAVAILABLE" ? "DEGRADED" : "KEY_UNREACHABLE";
            healthEvents.rows.push([uuid(), id, "HEALTHY", blipState, cause, null, blipAt]);
            const recovered = new Date(blipAt.getTime() + 15 * 60_000 + random() * HOUR);
            healthEvents.rows.push([uuid(), id, blipState, "HEALTHY", null, null, recovered]);
            changedAt = recovered;
          }
          if (current !== "HEALTHY") {
            const at_ = new Date(Math.max(changedAt.getTime() + 60_000, now.getTime() - random() * 6 * DAY));
            healthCause = pick(CAUSES[current]!);
            healthEvents.rows.push([uuid(), id, state_, current, healthCause, null, at_]);
            state_ = current;
            changedAt = at_;
            const azureCode = CAUSE_AZURE_CODE[healthCause] ?? null;
            const checkId = uuid();
            jobs.rows.push([checkId, "HEALTH_CHECK", "FAILED", `seed:health:${id}`, id, {}, 1, azureCode, azureCode ? (ERROR_MESSAGES[azureCode] ?? `Health check failed: ${healthCause}`) : null, "system", at_, at_, at_, at_]);
            attempts.rows.push([uuid(), checkId, 1, at_, at_, azureCode, azureCode ? (ERROR_MESSAGES[azureCode] ?? null) : null]);
            audit.push({ occurredAt: at_, actorType: "SYSTEM", actorId: "health-monitor", actorTenantId: null, actorRole: null, action: "health.changed", targetType: "CustomerTenant", targetId: id, customerTenantId: id, reason: null, result: "SUCCESS", requestId: null, details: { from: "HEALTHY", to: current, cause: healthCause } });
          }
          healthState = state_;
          lastHealthChangeAt = changedAt;
          lastHealthCheckAt = new Date(now.getTime() - random() * 15 * 60_000);
          desTable.rows[desTable.rows.length - 1]![6] = state_;
        }
      }
      if (anyFailed || anyProvisioning) {
        healthState = "UNKNOWN";
        healthCause = null;
      }
      if (random() < 0.1 && !anyFailed) {
        const rotatedAt = new Date(now.getTime() - random() * 7 * DAY);
        jobs.rows.push([uuid(), "ROTATE_KEY", "SUCCEEDED", `seed:rotate:${id}`, id, {}, 1, null, null, "system", rotatedAt, new Date(rotatedAt.getTime() + 40_000), rotatedAt, rotatedAt]);
      }
    }
    tenants.rows.push([id, tenantId, displayName, `${slug}.example`, finalIndex >= 1 ? "GRANTED" : "NOT_GRANTED", finalIndex >= 1 ? uuid() : null, finalIndex >= 1 ? new Date(createdAt.getTime() + 60_000) : null, healthState, healthCause, lastHealthCheckAt, lastHealthChangeAt, false, createdAt, lastHealthChangeAt ?? lastStepAt]);
  }

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    for (const t of [tenants, onboardings, stepEvents, keys, desTable, jobs, attempts, healthEvents]) await insertTable(client, t);
    await insertAudit(client, audit);
    await client.query("COMMIT");
    // Fresh statistics, so the planner sees the real spread at once, and every filled table vacuumed now, as
    // autovacuum would do a little later (after a bulk insert it vacuums for the visibility map; the tables the
    // triggers keep were rewritten by every chunk of the load): a benchmark that starts right away then measures
    // the dashboard, not autovacuum working beside it.
    await client.query(`VACUUM (ANALYZE) "CustomerTenant", "Onboarding", "OnboardingStepEvent", "KeyReference", "DiskEncryptionSet", "Job", "JobAttempt", "HealthEvent", "AuditEvent"`);
    await client.query(`VACUUM (ANALYZE) "TenantListEntry", "TenantStatusTotal", "TenantRegionTotal", "OnboardingStepTotal", "OnboardingStepDurationBucket", "HealthChangeHour"`);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  const rows = Object.fromEntries([tenants, onboardings, stepEvents, keys, desTable, jobs, attempts, healthEvents].map((t) => [t.name, t.rows.length]));
  rows.AuditEvent = audit.length;
  return { tenants: options.tenants, rows, millis: Date.now() - started };
}

/** Audit rows continue the hash chain (in time order), under the same lock as recordAudit. */
async function insertAudit(client: pg.ClientBase, events: AuditRow[]): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock($1)", [AUDIT_CHAIN_LOCK]);
  const last = await client.query<{ hash: string }>(`SELECT hash FROM "AuditEvent" ORDER BY seq DESC LIMIT 1`);
  let prevHash = last.rows[0]?.hash ?? GENESIS_HASH;
  const t = table("AuditEvent", "occurredAt:timestamp,actorType:\"ActorType\",actorId:text,actorTenantId:text,actorRole:text,action:text,targetType:text,targetId:text,customerTenantId:uuid,reason:text,result:\"AuditResult\",requestId:text,details:jsonb,prevHash:text,hash:text");
  for (const event of [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())) {
    const hash = auditHash({ ...event, prevHash });
    t.rows.push([event.occurredAt, event.actorType, event.actorId, event.actorTenantId, event.actorRole, event.action, event.targetType, event.targetId, event.customerTenantId, event.reason, event.result, event.requestId, event.details, prevHash, hash]);
    prevHash = hash;
  }
  await insertTable(client, t);
}
