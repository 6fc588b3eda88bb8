import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

/** Liveness: the web process is up and answers. No database call, so a database outage does not restart it. */
export function GET() {
  return NextResponse.json({ status: "live" });
}
