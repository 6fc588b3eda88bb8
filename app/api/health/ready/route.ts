import { NextResponse } from "next/server";
import { db } from "@/lib/db/client";
import { schemaStatus } from "@/lib/db/schema-status";
import { jobEngineStatus } from "@/lib/jobs/heartbeat";

export const dynamic = "force-dynamic";

const PROBE_TIMEOUT_MS = 5_000;

function withinProbeTime<T>(work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), PROBE_TIMEOUT_MS).unref())]);
}

/**
 * Readiness of this web instance: the database answers and its schema is current (every committed migration
 * applied). 503 with the reason and its fix otherwise. The job worker's heartbeat is reported but does not
 * decide: a web instance can serve while the worker restarts (its jobs wait in the queue).
 */
export async function GET() {
  let schema: Awaited<ReturnType<typeof schemaStatus>>;
  try {
    schema = await withinProbeTime(schemaStatus(db()));
  } catch {
    return NextResponse.json(
      { status: "not ready", reason: "the database does not answer", fix: "Check DATABASE_URL and that PostgreSQL is reachable from this instance." },
      { status: 503 },
    );
  }
  if (!schema.current) return NextResponse.json({ status: "not ready", reason: `schema not current: ${schema.reason}`, fix: schema.fix }, { status: 503 });
  const worker = await withinProbeTime(jobEngineStatus(db())).catch(() => undefined);
  return NextResponse.json({
    status: "ready",
    migrations: schema.migrations,
    worker: worker === undefined ? "unknown" : worker.running ? { running: true, lastSeenAt: worker.lastSeenAt.toISOString() } : { running: false, reason: worker.reason },
  });
}
