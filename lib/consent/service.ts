// Admin consent for the provider's CMK app: a single-use, session-bound round trip to Entra, confirmed
// by what Graph says in the customer's tenant (never by the query string).
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { recordAudit } from "../audit/log";
import { actorNames, recordedName } from "../audit/actor-names";
import { authorityFor, GRAPH_SCOPE } from "../azure/endpoints";
import { customerTenantCredential, delegatedCredential } from "../azure/credentials";
import { currentOrganization, ownServicePrincipal } from "../azure/graph";
import type { SessionUser } from "../auth/session-store";
import { advanceOnboarding } from "../onboarding/progress";
import { startOnboarding } from "../onboarding/start";
import { CONSENT_PROBLEMS, type ConsentProblem } from "./problems";

export const CONSENT_STATE_TTL_MS = 10 * 60_000;

/**
 * After Entra reports consent, the new service principal can take a while to replicate: until then the federated
 * token request fails with AADSTS700016 (or AADSTS7000229) as if there were no consent. Wait this long, in steps.
 */
export const REPLICATION_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

/** Entra's answer to a federated token request in a tenant without the app's service principal (both codes are seen). */
const NO_SERVICE_PRINCIPAL = /AADSTS(700016|7000229)\b/;

export class ConsentError extends AppError {
  constructor(readonly problem: ConsentProblem, azureCode?: string) {
    super("VALIDATION_FAILED", CONSENT_PROBLEMS[problem].message, { fix: CONSENT_PROBLEMS[problem].fix, azureCode });
  }
}

function hashState(state: string): string {
  return createHash("sha256").update(state).digest("hex");
}

function consentUrl(tenantId: string, redirectPath: string, state?: string): string {
  const env = serverEnv();
  const params = new URLSearchParams({ client_id: env.CMK_APP_CLIENT_ID, scope: GRAPH_SCOPE, redirect_uri: `${env.APP_BASE_URL}${redirectPath}` });
  if (state) params.set("state", state);
  return `${authorityFor(tenantId)}/v2.0/adminconsent?${params}`;
}

/** Starts consent for the session's own tenant: a fresh state, bound to this session, valid 10 minutes. */
export async function startAdminConsent(db: Db, user: SessionUser, now = new Date()): Promise<string> {
  await startOnboarding(db, user);
  const state = randomBytes(32).toString("base64url");
  await db.consentRequest.create({
    data: { stateHash: hashState(state), sessionIdHash: user.idHash, tenantId: user.tenantId, expiresAt: new Date(now.getTime() + CONSENT_STATE_TTL_MS) },
  });
  return consentUrl(user.tenantId, "/api/consent/callback", state);
}

/**
 * The link a non-admin forwards to their Global Administrator. It carries no state: granting consent
 * through it changes nothing here until someone of the tenant checks again, which asks Graph.
 */
export function adminConsentShareLink(tenantId: string): string {
  return consentUrl(tenantId, "/consent/callback");
}

export type ConsentCallback = { state?: string; admin_consent?: string; tenant?: string; error?: string; error_description?: string; error_subcodes?: string };

function problemFromEntra(error: string, description: string): ConsentError {
  const code = /AADSTS\d+/.exec(description)?.[0];
  if (code === "AADSTS65004" || /cancel/.test(error)) {
    return new ConsentError("declined", code);
  }
  if (code === "AADSTS90094" || code === "AADSTS90008" || code === "AADSTS65001") {
    return new ConsentError("not-admin", code);
  }
  if (code === "AADSTS90093") {
    return new ConsentError("blocked-by-policy", code);
  }
  return new ConsentError("failed", code);
}

/** Handles Entra's redirect back: state first, then the outcome, then confirmation through Graph. */
export async function completeAdminConsent(
  db: Db,
  user: SessionUser,
  callback: ConsentCallback,
  now = new Date(),
  replicationRetryDelaysMs: readonly number[] = REPLICATION_RETRY_DELAYS_MS,
): Promise<{ servicePrincipalObjectId: string }> {
  if (!callback.state) throw new ConsentError("invalid-state");
  const stateHash = hashState(callback.state);
  // Single use: the state is claimed atomically; a replay finds it already used.
  const claimed = await db.consentRequest.updateMany({ where: { stateHash, sessionIdHash: user.idHash, usedAt: null }, data: { usedAt: now } });
  const request = await db.consentRequest.findUnique({ where: { stateHash } });
  if (claimed.count !== 1 || !request || request.sessionIdHash !== user.idHash) {
    throw new ConsentError("invalid-state");
  }
  if (request.expiresAt <= now) throw new ConsentError("expired");

  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: user.tenantId } });
  if (callback.error) {
    const problem = problemFromEntra(callback.error, callback.error_description ?? "");
    await recordAudit(db, { actorType: "CUSTOMER", actorId: user.userOid, actorTenantId: user.tenantId, actorRole: "CustomerAdmin", action: "consent.grant", targetType: "customerTenant", targetId: user.tenantId, customerTenantId: tenant.id, result: "FAILURE", details: { problem: problem.problem, azureCode: problem.azureCode ?? null, ...actorNames(user) } });
    throw problem;
  }
  if (callback.tenant && callback.tenant.toLowerCase() !== user.tenantId.toLowerCase()) {
    throw new ConsentError("wrong-tenant");
  }
  return confirmConsent(db, user, replicationRetryDelaysMs);
}

/**
 * Asks the customer's tenant itself whether the CMK app's service principal exists, with an app-only
 * token obtained through the federated credential. Stores its object id (the role assignment target).
 * `replicationRetryDelaysMs` is given when Entra has just reported consent: the service principal is then
 * waited for, and still missing means "not replicated yet", not "no consent".
 */
export async function confirmConsent(db: Db, user: SessionUser, replicationRetryDelaysMs?: readonly number[]): Promise<{ servicePrincipalObjectId: string }> {
  const env = serverEnv();
  await startOnboarding(db, user);
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: user.tenantId } });
  let servicePrincipal = await lookUpServicePrincipal(user.tenantId);
  for (const delay of replicationRetryDelaysMs ?? []) {
    if (servicePrincipal) break;
    await sleep(delay);
    servicePrincipal = await lookUpServicePrincipal(user.tenantId);
  }
  if (!servicePrincipal && replicationRetryDelaysMs) throw new ConsentError("replicating");
  if (!servicePrincipal) {
    if (tenant.consentStatus === "GRANTED") {
      await db.customerTenant.update({ where: { id: tenant.id }, data: { consentStatus: "REMOVED" } });
    }
    throw new ConsentError(tenant.consentStatus === "NOT_GRANTED" ? "not-confirmed" : "removed");
  }
  // The organization's real name, read as the signed-in admin (best effort: the wizard works without it).
  const organization = await currentOrganization(delegatedCredential(db, user)).catch(() => null);
  await db.customerTenant.update({
    where: { id: tenant.id },
    data: {
      consentStatus: "GRANTED",
      servicePrincipalObjectId: servicePrincipal.id,
      consentGrantedAt: tenant.consentGrantedAt ?? new Date(),
      ...(organization?.id === user.tenantId && { displayName: organization.displayName, primaryDomain: organization.defaultDomain }),
    },
  });
  await advanceOnboarding(db, tenant.id, "KEY_VAULT", user.userOid, recordedName(user));
  await recordAudit(db, { actorType: "CUSTOMER", actorId: user.userOid, actorTenantId: user.tenantId, actorRole: "CustomerAdmin", action: "consent.grant", targetType: "servicePrincipal", targetId: servicePrincipal.id, customerTenantId: tenant.id, result: "SUCCESS", details: { appId: env.CMK_APP_CLIENT_ID, ...actorNames(user) } });
  return { servicePrincipalObjectId: servicePrincipal.id };
}

/**
 * The CMK app's service principal in a customer tenant, or null when consent is missing or removed. The app reads
 * its own service principal, which needs no Graph permission.
 */
export async function lookUpServicePrincipal(customerTenantId: string): Promise<{ id: string } | null> {
  const credential = customerTenantCredential(customerTenantId);
  try {
    return await ownServicePrincipal(credential, serverEnv().CMK_APP_CLIENT_ID);
  } catch (error) {
    // Without a service principal Entra refuses the federated token itself.
    if (NO_SERVICE_PRINCIPAL.test(String((error as Error).message))) return null;
    throw new AppError("AZURE_ERROR", "We could not check consent in your tenant right now.", { fix: "Try again in a minute.", cause: error });
  }
}
