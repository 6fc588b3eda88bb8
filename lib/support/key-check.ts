// The live answer to "can the provider use this customer's key right now?", per DES, read the way health
// checks read it (a customer's deliberate cut-off is told apart from other failures).
import type { Db } from "../db/client";
import { probeCustomerKey } from "../azure/key-probe";
import { assessDes } from "../health/assess";
import type { HealthState } from "../db/generated/prisma/enums";

export type ProbeHealth = { state: HealthState; cause: string | null; detail: string | null };
export type LiveKeyCheck = { diskEncryptionSetId: string; name: string; keyUrl: string; checkedAt: Date } & ({ ok: true } | { ok: false; health: ProbeHealth });

export async function liveKeyChecks(db: Db, customerTenantId: string): Promise<LiveKeyCheck[]> {
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { id: customerTenantId }, include: { diskEncryptionSets: { include: { keyReference: true }, orderBy: { region: "asc" } } } });
  return Promise.all(
    tenant.diskEncryptionSets.map(async (des) => {
      const probe = await probeCustomerKey(tenant.tenantId, des.keyReference.keyUrl);
      const base = { diskEncryptionSetId: des.id, name: des.name, keyUrl: des.keyReference.keyUrl, checkedAt: probe.checkedAt };
      if (probe.ok) return { ...base, ok: true as const };
      const assessment = assessDes({ found: true, previousKeys: 0 }, probe, probe.checkedAt);
      const health = "inconclusive" in assessment ? { state: "KEY_UNREACHABLE" as const, cause: probe.problem, detail: assessment.detail } : assessment;
      return { ...base, ok: false as const, health };
    }),
  );
}
