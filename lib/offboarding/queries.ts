// What staff pages read of offboardings (pages call these, never Prisma).
import type { Db } from "../db/client";
import { CLOSED } from "./state";
import type { OffboardingImpact } from "./service";

/** A tenant's offboardings, newest first (the open one, if any, is the first). */
export async function offboardingsForTenant(db: Db, customerTenantId: string, take = 5) {
  const rows = await db.offboarding.findMany({ where: { customerTenantId }, orderBy: { requestedAt: "desc" }, take });
  return rows.map((row) => ({ ...row, impact: row.impact as unknown as OffboardingImpact }));
}

/** Every open offboarding, oldest first, with the customer's name: the operator dashboard's list. */
export async function openOffboardings(db: Db) {
  return db.offboarding.findMany({ where: { state: { notIn: [...CLOSED] } }, include: { customerTenant: { select: { displayName: true } } }, orderBy: { requestedAt: "asc" } });
}
