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

/** Every open offboarding, oldest first, with the customer's name, as one JSON array (lib/dashboard/snapshot.ts). */
export const OPEN_OFFBOARDINGS_COLUMN = Prisma.sql`(SELECT coalesce(json_agg(json_build_object('id', o.id, 'customerTenantId', o."customerTenantId", 'state', o.state,
    'requestedByName', o."requestedByName", 'requestedAt', (EXTRACT(EPOCH FROM o."requestedAt") * 1000)::float8, 'displayName', t."displayName") ORDER BY o."requestedAt", o.id), '[]')
  FROM "Offboarding" o JOIN "CustomerTenant" t ON t.id = o."customerTenantId"
  WHERE o.state::text NOT IN (${Prisma.join([...CLOSED])}))`;

export function toOpenOffboardings(value: unknown): OpenOffboarding[] {
  const rows = (value ?? []) as (Omit<OpenOffboarding, "customerTenant" | "requestedAt"> & { requestedAt: number; displayName: string })[];
  return rows.map(({ displayName, requestedAt, ...row }) => ({ ...row, requestedAt: new Date(requestedAt), customerTenant: { displayName } }));
}

/** Every open offboarding, oldest first, with the customer's name: the operator dashboard's list (one statement, a join). */
export async function openOffboardings(db: Db): Promise<OpenOffboarding[]> {
  const [row] = await db.$queryRaw<{ rows: unknown }[]>`SELECT ${OPEN_OFFBOARDINGS_COLUMN} AS rows`;
  return toOpenOffboardings(row?.rows);
}
