// CSV export of the tenant list: the same query as the page, all pages, streamed.
import type { Db } from "../db/client";
import { STATUS_LABEL, STEP_LABEL, type TenantListQuery } from "./filters";
import { allTenantRows, type TenantListRow } from "./tenant-list";

export const CSV_COLUMNS: { header: string; value(row: TenantListRow): string | number | null }[] = [
  { header: "Tenant name", value: (r) => r.displayName },
  { header: "Tenant id", value: (r) => r.tenantId },
  { header: "Onboarding step", value: (r) => (r.step ? STEP_LABEL[r.step] : null) },
  { header: "DES state", value: (r) => r.desState },
  { header: "DES count", value: (r) => r.desCount },
  { header: "Health", value: (r) => STATUS_LABEL[r.status] },
  { header: "Health cause", value: (r) => (r.status === "FAILED" ? r.desErrorCode : r.healthCause) },
  { header: "Key vault", value: (r) => r.vaultUri },
  { header: "Key URL", value: (r) => r.keyUrl },
  { header: "Region", value: (r) => r.region },
  { header: "Last check (UTC)", value: (r) => r.lastHealthCheckAt?.toISOString() ?? null },
  { header: "Last change (UTC)", value: (r) => r.lastHealthChangeAt?.toISOString() ?? null },
];

/** RFC 4180 quoting, and a leading ' for values a spreadsheet would run as a formula. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: (string | number | null)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

export function tenantsCsv(db: Db, query: TenantListQuery): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const rows = allTenantRows(db, query);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(CSV_COLUMNS.map((c) => c.header))));
    },
    async pull(controller) {
      const next = await rows.next();
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(csvLine(CSV_COLUMNS.map((c) => c.value(next.value)))));
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
}
