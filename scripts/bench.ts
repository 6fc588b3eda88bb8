// npm run bench — runs every benchmark of the project in turn and prints their numbers.
// Each benchmark is its own npm script (bench:<name>) so it can also run alone.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
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

// Every benchmark that states a ratio to its bound saves it under bench-results/: one summary of them all.
const resultsDir = path.join(root, "bench-results");
const saved = existsSync(resultsDir) ? readdirSync(resultsDir).filter((name) => name.endsWith(".json")).sort() : [];
for (const name of saved) {
  const result = JSON.parse(readFileSync(path.join(resultsDir, name), "utf8")) as { ratio?: unknown; target?: unknown; at?: unknown };
  if (typeof result.ratio !== "number") continue;
  const target = typeof result.target === "number" ? ` (target ≤ ${result.target}×)` : "";
  process.stdout.write(`  ${name.replace(/\.json$/, "")}: ${result.ratio.toFixed(2)}× its bound${target}, measured ${String(result.at ?? "")}\n`);
}
process.exit(failed === 0 ? 0 : 1);
