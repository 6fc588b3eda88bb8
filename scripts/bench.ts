// npm run bench — runs every benchmark of the project in turn and prints their numbers.
// Each benchmark is its own npm script (bench:<name>) so it can also run alone.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { childEnv } from "../lib/env";

const root = path.resolve(import.meta.dirname, "..");
const scripts = Object.keys((JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts)
  .filter((name) => name.startsWith("bench:"))
  .sort();

let failed = 0;
for (const script of scripts) {
  process.stdout.write(`\n━━ ${script} ━━\n`);
  const started = Date.now();
  const result = spawnSync("npm", ["run", "--silent", script], { cwd: root, env: childEnv({}), stdio: "inherit" });
  process.stdout.write(`━━ ${script}: ${result.status === 0 ? "done" : `FAILED (${result.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
