import { NextResponse } from "next/server";
import { db } from "@/lib/db/client";
import { readiness } from "@/lib/jobs/heartbeat";

export const dynamic = "force-dynamic";

/**
 * Readiness for monitors and the test runner: the database answers and a job worker has beaten within 30 s.
 * Anything less is 503 with the reasons, so a dead worker is noticed rather than reported as "ok".
 */
export async function GET() {
  const state = await readiness(db());
  return NextResponse.json(state, { status: state.status === "ok" ? 200 : 503 });
}
