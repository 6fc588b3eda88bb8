// Test support for the dashboard's queries: a database of their own (the dashboard counts every tenant,
// so rows of other test files in the shared run database would change the answers) and small fixtures.
import { randomUUID } from "node:crypto";
import { createPrismaClient, type Db } from "../db/client";
import type { DesProvisioningState, HealthState, OnboardingStep } from "../db/generated/prisma/enums";
import { createDisposableDatabase } from "../db/test-database";
import { toolingEnv } from "../env";
import { ONBOARDING_STEPS } from "./filters";

export async function isolatedDatabase(prefix: string): Promise<{ url: string; db: Db; drop(): Promise<void> }> {
  const database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, prefix);
  const db = createPrismaClient(database.url);
  return {
    url: database.url,
    db,
    async drop() {
      await db.$disconnect();
      await database.drop();
    },
  };
}

export type TenantFixture = {
  name: string;
  step?: OnboardingStep;
  health?: HealthState;
  healthCause?: string;
  region?: string;
  /** One entry per DES: its region, state and (optionally) which key index it uses. */
  des?: { region: string; state: DesProvisioningState; errorCode?: string; key?: number }[];
  /** Key names; each gets a versioned URL in the tenant's vault. */
  keys?: string[];
  lastCheck?: Date;
  lastChange?: Date;
};

/** Creates one customer tenant with onboarding (all steps up to `step`), keys and DES rows. */
export async function createTenant(db: Db, fixture: TenantFixture) {
  const vault = `kv-${fixture.name.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 16)}`;
  const region = fixture.region ?? fixture.des?.[0]?.region ?? "westeurope";
  const step = fixture.step ?? "SUBMITTED";
  const tenant = await db.customerTenant.create({
    data: {
      tenantId: randomUUID(),
      displayName: fixture.name,
      healthState: fixture.health ?? "UNKNOWN",
      healthCause: fixture.healthCause ?? null,
      lastHealthCheckAt: fixture.lastCheck ?? null,
      lastHealthChangeAt: fixture.lastChange ?? null,
      onboarding: {
        create: {
          step,
          region,
          vaultResourceId: `/subscriptions/${randomUUID()}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${vault}`,
          stepEvents: { create: ONBOARDING_STEPS.slice(0, ONBOARDING_STEPS.indexOf(step) + 1).map((s, i) => ({ step: s, enteredAt: new Date(Date.UTC(2026, 10, 1, 10, i * 10)) })) },
        },
      },
    },
    include: { onboarding: true },
  });
  const keys = [];
  for (const [i, keyName] of (fixture.keys ?? []).entries()) {
    const version = `${i}${randomUUID().replace(/-/g, "")}`.slice(0, 32);
    keys.push(
      await db.keyReference.create({
        data: {
          customerTenantId: tenant.id,
          vaultResourceId: `/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${vault}`,
          vaultUri: `https://${vault}.vault.azure.net`,
          keyName,
          keyVersion: version,
          keyUrl: `https://${vault}.vault.azure.net/keys/${keyName}/${version}`,
          keyType: "RSA",
          permissionModel: "RBAC",
          region,
          createdAt: new Date(Date.UTC(2026, 10, 1, 11, i)),
        },
      }),
    );
  }
  const desRows = [];
  for (const [i, des] of (fixture.des ?? []).entries()) {
    const key = keys[des.key ?? keys.length - 1];
    if (!key) throw new Error(`fixture ${fixture.name}: a DES needs a key`);
    desRows.push(
      await db.diskEncryptionSet.create({
        data: {
          customerTenantId: tenant.id,
          region: des.region,
          name: `des-${vault}-${des.region}`,
          armId: des.state === "QUEUED" ? null : `/subscriptions/p/resourceGroups/rg-des/providers/Microsoft.Compute/diskEncryptionSets/des-${vault}-${des.region}`,
          provisioningState: des.state,
          keyReferenceId: key.id,
          lastErrorCode: des.errorCode ?? null,
          createdAt: new Date(Date.UTC(2026, 10, 2, 10, i)),
        },
      }),
    );
  }
  return { tenant, keys, des: desRows };
}
