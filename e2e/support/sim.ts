import { request } from "@playwright/test";
import { toolingEnv } from "../../lib/env";

/** The simulator the e2e web server started (see playwright.config.ts). */
export const SIM_URL = `https://localhost:${toolingEnv().E2E_SIM_PORT}`;

/** Calls the simulator's control API (/__sim/...): faults, resets, state. */
export async function simControl(path: string, body: unknown = {}): Promise<unknown> {
  const context = await request.newContext({ ignoreHTTPSErrors: true });
  try {
    const response = await context.post(`${SIM_URL}/__sim/${path}`, { data: body });
    if (!response.ok()) throw new Error(`Simulator control ${path} failed: ${response.status()} ${await response.text()}`);
    return await response.json().catch(() => null);
  } finally {
    await context.dispose();
  }
}
