// Filtering and exporting the audit log. Staff see every event; a customer admin's scope is forced to their
// own tenant by the caller (never by a query parameter).
import type { Db } from "../db/client";
import type { Prisma } from "../db/generated/prisma/client";
import type { AuditResult } from "../db/generated/prisma/enums";
import { csvLine } from "../dashboard/csv";
import { recordedName } from "./actor-names";

export type AuditQuery = {
  tenant?: string;
  actor?: string;
  action?: string;
  result?: AuditResult;
  from?: Date;
  to?: Date;
  requestId?: string;
  /** Events older than this seq (the next page). */
  before?: bigint;
};

export type AuditScope = { kind: "staff" } | { kind: "customer"; customerTenantId: string };

export const AUDIT_PAGE_SIZE = 50;
const RESULTS: AuditResult[] = ["SUCCESS", "FAILURE", "DENIED"];

function text(value: string | null, max = 200): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, max) : undefined;
}

function date(value: string | null, endOfDay = false): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const parsed = new Date(`${value}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z`);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

export function parseAuditQuery(params: URLSearchParams): AuditQuery {
  const result = params.get("result")?.toUpperCase();
  const before = params.get("before");
  return {
    tenant: text(params.get("tenant")),
    actor: text(params.get("actor")),
    action: text(params.get("action")),
    result: RESULTS.includes(result as AuditResult) ? (result as AuditResult) : undefined,
    from: date(params.get("from")),
    to: date(params.get("to"), true),
    requestId: text(params.get("requestId")),
    before: before && /^\d{1,19}$/.test(before) ? BigInt(before) : undefined,
  };
}

/** The query as URL parameters (for links to the next page and to the CSV export). */
export function auditQueryParams(query: AuditQuery, overrides: Partial<Record<keyof AuditQuery, string | undefined>> = {}): URLSearchParams {
  const params = new URLSearchParams();
  const values: Record<string, string | undefined> = {
    tenant: query.tenant,
    actor: query.actor,
    action: query.action,
    result: query.result,
    from: query.from?.toISOString().slice(0, 10),
    to: query.to?.toISOString().slice(0, 10),
    requestId: query.requestId,
    before: query.before?.toString(),
    ...overrides,
  };
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  return params;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function whereOf(db: Db, query: AuditQuery, scope: AuditScope): Promise<Prisma.AuditEventWhereInput> {
  const and: Prisma.AuditEventWhereInput[] = [];
  if (scope.kind === "customer") and.push({ customerTenantId: scope.customerTenantId });
  if (query.tenant) {
    // A portal id, an Entra tenant id or (part of) a display name.
    const tenants = UUID.test(query.tenant)
      ? await db.customerTenant.findMany({ where: { OR: [{ id: query.tenant }, { tenantId: query.tenant }] }, select: { id: true } })
      : await db.customerTenant.findMany({ where: { displayName: { contains: query.tenant, mode: "insensitive" } }, select: { id: true }, take: 500 });
    and.push({ customerTenantId: { in: tenants.map((t) => t.id) } });
  }
  if (query.actor) {
    const actorMatch: Prisma.AuditEventWhereInput = { OR: [{ actorId: query.actor }, { details: { path: ["userName"], string_contains: query.actor } }] };
    // A customer's actor search matches their own people only: it must not confirm a guessed staff name, oid or e-mail.
    and.push(scope.kind === "customer" ? { AND: [actorMatch, { actorType: "CUSTOMER" }] } : actorMatch);
  }
  if (query.action) and.push({ action: { startsWith: query.action } });
  if (query.result) and.push({ result: query.result });
  if (query.from) and.push({ occurredAt: { gte: query.from } });
  if (query.to) and.push({ occurredAt: { lte: query.to } });
  if (query.requestId) and.push({ requestId: query.requestId });
  return { AND: and };
}

export type AuditRow = Prisma.AuditEventGetPayload<object> & { tenantName: string | null };

async function withTenantNames(db: Db, events: Prisma.AuditEventGetPayload<object>[]): Promise<AuditRow[]> {
  const ids = [...new Set(events.map((e) => e.customerTenantId).filter((id): id is string => Boolean(id)))];
  const tenants = ids.length ? await db.customerTenant.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } }) : [];
  const names = new Map(tenants.map((t) => [t.id, t.displayName]));
  return events.map((e) => ({ ...e, tenantName: e.customerTenantId ? (names.get(e.customerTenantId) ?? null) : null }));
}

/** One page, newest first; `nextBefore` continues with older events. */
export async function listAuditEvents(db: Db, query: AuditQuery, scope: AuditScope): Promise<{ rows: AuditRow[]; nextBefore?: bigint }> {
  const where = await whereOf(db, query, scope);
  const events = await db.auditEvent.findMany({
    where: query.before ? { AND: [where, { seq: { lt: query.before } }] } : where,
    orderBy: { seq: "desc" },
    take: AUDIT_PAGE_SIZE + 1,
  });
  const page = events.slice(0, AUDIT_PAGE_SIZE);
  return { rows: await withTenantNames(db, page), nextBefore: events.length > AUDIT_PAGE_SIZE ? page.at(-1)?.seq : undefined };
}

/** Who did it, as the viewer may see it: customers see provider staff as "Provider support" and their role only. */
export function actorLabel(row: Pick<AuditRow, "actorType" | "actorId" | "actorRole" | "details">, scope: AuditScope): string {
  if (row.actorType === "SYSTEM") return "Portal (automatic)";
  if (row.actorType === "STAFF" && scope.kind === "customer") return `Provider support${row.actorRole ? ` (${row.actorRole})` : ""}`;
  // The name recorded when the event was written; an object id means nothing to a reader (it is in "Actor id").
  return recordedName(row.details) ?? "Unknown user";
}

/** Keys in details that name provider staff (their UPN or object id). */
const STAFF_IDENTITY_KEYS = ["userName", "requestedBy", "requestedByName", "approvedBy"];

function detailsFor(row: AuditRow, scope: AuditScope): string | null {
  if (!row.details || typeof row.details !== "object") return null;
  if (scope.kind === "staff" || row.actorType === "CUSTOMER") return JSON.stringify(row.details);
  return JSON.stringify(Object.fromEntries(Object.entries(row.details as Record<string, unknown>).filter(([key]) => !STAFF_IDENTITY_KEYS.includes(key))));
}

const COLUMNS: { header: string; staffOnly?: true; value(row: AuditRow, scope: AuditScope): string | number | null }[] = [
  // The sequence number is global: its gaps would tell a customer how much happened in other tenants.
  { header: "Seq", staffOnly: true, value: (r) => r.seq.toString() },
  { header: "Time (UTC)", value: (r) => r.occurredAt.toISOString() },
  { header: "Actor type", value: (r) => r.actorType },
  { header: "Actor", value: (r, s) => actorLabel(r, s) },
  { header: "Actor id", value: (r, s) => (s.kind === "customer" && r.actorType !== "CUSTOMER" ? null : r.actorId) },
  { header: "Actor tenant", value: (r, s) => (s.kind === "customer" && r.actorType !== "CUSTOMER" ? null : r.actorTenantId) },
  { header: "Role", value: (r) => r.actorRole },
  { header: "Action", value: (r) => r.action },
  { header: "Result", value: (r) => r.result },
  { header: "Customer", value: (r) => r.tenantName },
  { header: "Target type", value: (r) => r.targetType },
  { header: "Target", value: (r) => r.targetId },
  { header: "Reason", value: (r) => r.reason },
  { header: "Request id", value: (r) => r.requestId },
  { header: "Details", value: (r, s) => detailsFor(r, s) },
  { header: "Hash", value: (r) => r.hash },
];

/** Every matching event (all pages, oldest first), streamed in batches. */
export function auditCsv(db: Db, query: AuditQuery, scope: AuditScope): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: bigint | undefined;
  let done = false;
  const columns = COLUMNS.filter((c) => scope.kind === "staff" || !c.staffOnly);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(columns.map((c) => c.header))));
    },
    async pull(controller) {
      if (done) return;
      const where = await whereOf(db, { ...query, before: undefined }, scope);
      const batch = await db.auditEvent.findMany({ where: after === undefined ? where : { AND: [where, { seq: { gt: after } }] }, orderBy: { seq: "asc" }, take: 1000 });
      const rows = await withTenantNames(db, batch);
      controller.enqueue(encoder.encode(rows.map((row) => csvLine(columns.map((c) => c.value(row, scope)))).join("")));
      if (batch.length < 1000) {
        done = true;
        controller.close();
        return;
      }
      after = batch.at(-1)!.seq;
    },
  });
}
