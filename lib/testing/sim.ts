// Tests that exercise the product against the Azure simulator: start it, point lib/env at it, and open
// real sessions for its personas (tokens obtained through the simulator's Entra).
import { startSimulator, type SimHandle } from "../../e2e/azure-sim/index";
import { portalApiToken } from "../../e2e/azure-sim/testing";
import type { PersonaName } from "../../e2e/azure-sim/seed";
import type { Db } from "../db/client";
import { createSession, type SessionUser } from "../auth/session-store";
import { verifyPortalAccessToken } from "../auth/token-validation";
import { CUSTOMER_ADMIN_ROLE, staffRolesFromClaim } from "../auth/roles";
import { setAppEnvForTests } from "./app-env";

export async function startSimForTests(options: Parameters<typeof startSimulator>[0] = {}): Promise<SimHandle> {
  const sim = await startSimulator({ quiet: true, lroDurationMs: 50, ...options });
  setAppEnvForTests(sim.appEnv());
  return sim;
}

/** A real session for a persona, as sign-in would create it (customer or staff by tenant). */
export async function sessionFor(sim: SimHandle, db: Db, persona: PersonaName): Promise<SessionUser> {
  const apiToken = await portalApiToken(sim, persona);
  const identity = await verifyPortalAccessToken(apiToken);
  const staff = identity.tenantId === sim.appEnv().PROVIDER_TENANT_ID;
  if (!staff) {
    await db.customerTenant.upsert({
      where: { tenantId: identity.tenantId },
      create: { tenantId: identity.tenantId, displayName: identity.userName.split("@")[1] ?? identity.tenantId, onboarding: { create: {} } },
      update: {},
    });
  }
  const { user } = await createSession(db, { kind: staff ? "STAFF" : "CUSTOMER", identity, roles: staff ? staffRolesFromClaim(identity.roles) : [CUSTOMER_ADMIN_ROLE], apiToken });
  return user;
}
