// What staff pages read of offboardings (pages call these, never Prisma).
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import type { OffboardingState } from "../db/generated/prisma/enums";
import { CLOSED } from "./state";
import type { OffboardingImpact } from "./service";

/** A tenant's offboardings, newest first (the open one, if any, is the first). */
export async function offboardingsForTenant(db: Db, customerTenantId: string, take = 5) {
  const rows = await db.offboarding.findMany({ where: { customerTenantId }, orderBy: { requestedAt: "desc" }, take });
  return rows.map((row) => ({ ...row, impact: row.impact as unknown as OffboardingImpact }));
}

export type OpenOffboarding = { id: string; customerTenantId: string; state: OffboardingState; requestedByName: string; requestedAt: Date; customerTenant: { displayName: string } };

/** Every open offboarding, oldest first, with the customer's name: the operator dashboard's list (one statement, a join). */
export async function openOffboardings(db: Db): Promise<OpenOffboarding[]> {
  const rows = await db.$queryRaw<(Omit<OpenOffboarding, "customerTenant"> & { displayName: string })[]>`
    SELECT o.id::text AS id, o."customerTenantId"::text AS "customerTenantId", o.state::text AS state, o."requestedByName", o."requestedAt", t."displayName"
    FROM "Offboarding" o JOIN "CustomerTenant" t ON t.id = o."customerTenantId"
    WHERE o.state::text NOT IN (${Prisma.join([...CLOSED])}) ORDER BY o."requestedAt", o.id`;
  return rows.map(({ displayName, ...row }) => ({ ...row, customerTenant: { displayName } }));
}
