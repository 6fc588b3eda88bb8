// End-to-end tests run in Debian's Chromium (Playwright cannot download browsers here).
import { existsSync } from "node:fs";
import { toolingEnv } from "../lib/env";

const chromium = toolingEnv().CHROMIUM_PATH;
if (!existsSync(chromium)) {
  console.error(`✖ Chromium not found at ${chromium}. Install it with: sudo apt-get update && sudo apt-get install -y chromium`);
  process.exit(1);
}
