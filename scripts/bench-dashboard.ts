// npm run bench:dashboard [-- --tenants 10000 --rounds 8] — the operator dashboard at scale: a fresh
// database, 10,000 seeded tenants, p50/p95 of the tenant-list query over a fixed set of
// filter/sort/search combinations and of the overview, EXPLAIN ANALYZE of the main statements,
// and the dashboard route's first-load JavaScript from the last `next build`. Drops the database.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { createPrismaClient, type Db } from "../lib/db/client";
import type { Prisma } from "../lib/db/generated/prisma/client";
import { createDisposableDatabase } from "../lib/db/test-database";
import { seedDemoData } from "../lib/dashboard/demo-seed";
import { parseTenantListQuery } from "../lib/dashboard/filters";
import { getOverview, overviewSql } from "../lib/dashboard/overview";
import { listTenants, tenantListSql } from "../lib/dashboard/tenant-list";
import { toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";

const LIST_TARGET_MS = 150;
const OVERVIEW_TARGET_MS = 300;
const FIRST_LOAD_TARGET_KB = 200;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function explain(db: Db, title: string, sql: Prisma.Sql): Promise<string> {
  const rows = await db.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, ...sql.values);
  return [`── EXPLAIN ANALYZE: ${title}`, ...rows.map((r) => `   ${r["QUERY PLAN"]}`)].join("\n");
}

/** Fixed combinations: every sort column both ways, each filter, searches by name, tenant id, vault and key URL, deep pages. */
function listCombinations(sample: { keyUrl: string; tenantId: string; vault: string }): string[] {
  const sorts = ["name", "tenantId", "step", "desState", "health", "vault", "key", "region", "lastCheck", "lastChange"];
  return [
    "",
    ...sorts.flatMap((s) => [`sort=${s}`, `sort=${s}&dir=desc`]),
    "health=FAILED",
    "health=DEGRADED,KEY_UNREACHABLE,REVOKED&sort=lastChange&dir=desc",
    "health=PROVISIONING&sort=region",
    "step=ACCESS,VERIFY&sort=lastChange",
    "region=westeurope&sort=health&dir=desc",
    "region=eastus,uksouth&health=HEALTHY&step=SUBMITTED&sort=key",
    "q=northwind",
    "q=bank&health=HEALTHY&sort=lastCheck&dir=desc",
    `q=${encodeURIComponent(sample.tenantId)}`,
    `q=${encodeURIComponent(sample.tenantId.slice(0, 8))}`,
    `q=${encodeURIComponent(sample.keyUrl)}`,
    `q=${encodeURIComponent(sample.vault)}&sort=region`,
    "q=vault.azure.net/keys/des-key&sort=health&dir=desc",
    "page=100&pageSize=100",
    "sort=health&dir=desc&page=150",
    "q=zzz-nothing-matches",
  ];
}

/**
 * First-load JS of /tenants from the last build in NEXT_DIST_DIR: the root main chunks plus every chunk
 * the route's entries (root layout, page, loading, error) load, gzipped — what the browser fetches for
 * the first view. Lazily loaded chunks (the charts) are not counted, and reported separately.
 */
function firstLoadJs(distDir: string): { kb: number; files: number; lazyChartKb: number } | string {
  const dir = path.resolve(import.meta.dirname, "..", distDir);
  if (!existsSync(path.join(dir, "BUILD_ID"))) return `no build in ${distDir} (run \`npx next build\` first)`;
  const manifestPath = path.join(dir, "server", "app", "(operator)", "tenants", "page_client-reference-manifest.js");
  if (!existsSync(manifestPath)) return `route /tenants not found in ${distDir}`;
  const buildManifest = JSON.parse(readFileSync(path.join(dir, "build-manifest.json"), "utf8")) as { rootMainFiles?: string[] };
  const sandbox: { globalThis?: unknown; __RSC_MANIFEST?: Record<string, { entryJSFiles?: Record<string, string[]>; clientModules?: Record<string, { chunks?: string[]; async?: boolean }> }> } = {};
  sandbox.globalThis = sandbox;
  runInNewContext(readFileSync(manifestPath, "utf8"), sandbox);
  const manifest = Object.values(sandbox.__RSC_MANIFEST ?? {})[0];
  const files = new Set<string>(buildManifest.rootMainFiles ?? []);
  for (const chunks of Object.values(manifest?.entryJSFiles ?? {})) for (const chunk of chunks) files.add(chunk);
  const gz = (file: string) => gzipSync(readFileSync(path.join(dir, file.replace(/^\/_next\//, "")))).length;
  let bytes = 0;
  for (const file of files) bytes += gz(file);
  // The chart chunk(s): whatever static chunk holds recharts, if it is not already counted above.
  const lazy = new Set<string>();
  for (const file of readdirSync(path.join(dir, "static", "chunks"))) {
    const rel = `static/chunks/${file}`;
    if (file.endsWith(".js") && !files.has(rel) && readFileSync(path.join(dir, rel), "utf8").includes("recharts-surface")) lazy.add(rel);
  }
  let lazyBytes = 0;
  for (const file of lazy) lazyBytes += gz(file);
  return { kb: Math.round((bytes / 1024) * 10) / 10, files: files.size, lazyChartKb: Math.round((lazyBytes / 1024) * 10) / 10 };
}

async function main() {
  const { values } = parseArgs({ options: { tenants: { type: "string", default: "10000" }, rounds: { type: "string", default: "8" } } });
  const tenants = Number(values.tenants);
  const rounds = Math.max(1, Math.min(50, Number(values.rounds)));
  const tooling = toolingEnv();
  console.log(`Operator dashboard benchmark: ${tenants} tenants, ${rounds} rounds`);
  const database = await createDisposableDatabase(tooling.TEST_DATABASE_ADMIN_URL, "cmk_bench_dashboard");
  const db = createPrismaClient(database.url);
  try {
    const seeded = await seedDemoData(database.url, { tenants, seed: 20261123 });
    console.log(`seeded in ${(seeded.millis / 1000).toFixed(1)} s (${database.kind}): ${Object.entries(seeded.rows).map(([k, v]) => `${k} ${v}`).join(", ")}`);

    const sample = await db.keyReference.findFirstOrThrow({ orderBy: { id: "asc" }, include: { customerTenant: { select: { tenantId: true } } } });
    const combos = listCombinations({ keyUrl: sample.keyUrl, tenantId: sample.customerTenant.tenantId, vault: new URL(sample.vaultUri).hostname.split(".")[0]! });
    const queries = combos.map((c) => ({ label: c || "(default: sort=name)", query: parseTenantListQuery(new URLSearchParams(c)) }));

    for (const { query } of queries) await listTenants(db, query); // warm-up
    const perCombo = new Map<string, number[]>(queries.map((q) => [q.label, []]));
    const listSamples: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const { label, query } of queries) {
        const ms = await time(() => listTenants(db, query));
        perCombo.get(label)!.push(ms);
        listSamples.push(ms);
      }
    }
    await getOverview(db);
    const overviewSamples: number[] = [];
    for (let i = 0; i < rounds * 4; i++) overviewSamples.push(await time(() => getOverview(db)));

    console.log(`\nTenant list (listTenants: page + count), ${listSamples.length} samples over ${queries.length} combinations:`);
    for (const { label } of queries) {
      const s = perCombo.get(label)!;
      console.log(`  p50 ${percentile(s, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(s, 95).toFixed(1).padStart(6)} ms  ${label.length > 90 ? `${label.slice(0, 87)}…` : label}`);
    }
    const listP95 = percentile(listSamples, 95);
    const worstComboP95 = Math.max(...[...perCombo.values()].map((s) => percentile(s, 95)));
    const overviewP95 = percentile(overviewSamples, 95);
    console.log(`\nRESULT list      p50 ${percentile(listSamples, 50).toFixed(1)} ms, p95 ${listP95.toFixed(1)} ms, worst combination p95 ${worstComboP95.toFixed(1)} ms, max ${Math.max(...listSamples).toFixed(1)} ms (target p95 < ${LIST_TARGET_MS} ms) ${worstComboP95 < LIST_TARGET_MS ? "OK" : "OVER"}`);
    console.log(`RESULT overview  p50 ${percentile(overviewSamples, 50).toFixed(1)} ms, p95 ${overviewP95.toFixed(1)} ms, max ${Math.max(...overviewSamples).toFixed(1)} ms over ${overviewSamples.length} runs (target p95 < ${OVERVIEW_TARGET_MS} ms) ${overviewP95 < OVERVIEW_TARGET_MS ? "OK" : "OVER"}`);
    const js = firstLoadJs(tooling.NEXT_DIST_DIR);
    console.log(
      typeof js === "string"
        ? `RESULT first-load JS of /tenants: ${js}`
        : `RESULT first-load JS of /tenants: ${js.kb} kB gzipped in ${js.files} files (target < ${FIRST_LOAD_TARGET_KB} kB) ${js.kb < FIRST_LOAD_TARGET_KB ? "OK" : "OVER"}; charts load afterwards: ${js.lazyChartKb} kB gzipped`,
    );

    const now = new Date();
    const plans = [
      await explain(db, "tenant list page, default view", tenantListSql(queries[0]!.query).page),
      await explain(db, "tenant list count, default view", tenantListSql(queries[0]!.query).count),
      await explain(db, "tenant list page, sort=lastCheck (CustomerTenant_lastHealthCheckAt_id_idx)", tenantListSql(parseTenantListQuery(new URLSearchParams("sort=lastCheck"))).page),
      await explain(db, "tenant list page, health=DEGRADED,KEY_UNREACHABLE,REVOKED sort=lastChange desc", tenantListSql(parseTenantListQuery(new URLSearchParams("health=DEGRADED,KEY_UNREACHABLE,REVOKED&sort=lastChange&dir=desc"))).page),
      await explain(db, "tenant list page, search by key URL", tenantListSql(parseTenantListQuery(new URLSearchParams({ q: sample.keyUrl }))).page),
      await explain(db, "overview: tenants by status", overviewSql(now).statuses),
      await explain(db, "overview: stalled onboardings per step", overviewSql(now).stalled),
      await explain(db, "overview: time-in-step buckets (trigger-kept)", overviewSql(now).durations),
      await explain(db, "overview: health changes per hour, last 24 h", overviewSql(now).healthChanges("hour", new Date(now.getTime() - 24 * 3_600_000))),
    ];
    console.log(`\n${plans.join("\n\n")}`);
    if (worstComboP95 >= LIST_TARGET_MS || overviewP95 >= OVERVIEW_TARGET_MS) process.exitCode = 1;
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(`✖ ${error instanceof AppError ? error.toLine() : error instanceof EnvError ? error.message : (error as Error).stack}`);
  process.exit(1);
});
