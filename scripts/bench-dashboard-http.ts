// npm run bench:dashboard-http [-- --tenants 100000 --rounds 10] — the operator dashboard through HTTP, as a browser
// gets it: a fresh database with 100,000 seeded tenants, the production build (`node <NEXT_DIST_DIR>/standalone/
// server.js`, as the Dockerfile and scripts/launch.ts run it) with an operator's session, then p50/p95 of
//   - GET /tenants for a set of filter/sort/search combinations: the full server-rendered HTML, read to the end of
//     the stream (the overview streams in the same response);
//   - the overview: when its panel (the funnel) has arrived in that stream;
//   - GET /bench/tenants: a bare Next.js page with the same 50 rows from one plain SQL statement (BENCH_BARE_PAGE=true).
// Bounds: list p95 < 150 ms, overview p95 < 300 ms, list p95 ≤ 2 × the bare page's p95. Every result is printed as
// a ratio to its bound and saved to bench-results/dashboard-http.json. Needs `npm run build` first. Drops the database.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg, cpus } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { hashSessionId } from "../lib/auth/session-store";
import { createPrismaClient } from "../lib/db/client";
import { createDisposableDatabase } from "../lib/db/test-database";
import { seedDemoData } from "../lib/dashboard/demo-seed";
import { childEnv, EnvError, toolingEnv } from "../lib/env";
import { AppError } from "../lib/errors";
import { builtFile } from "./production-processes";

const ROOT = path.resolve(import.meta.dirname, "..");
const LIST_BOUND_MS = 150;
const OVERVIEW_BOUND_MS = 300;
const BARE_RATIO_BOUND = 2;
/** Text that only the overview's rendered panel holds (its skeleton does not). */
const OVERVIEW_MARKER = 'aria-label="Onboarding funnel"';
/** SESSION_COOKIE of lib/auth/session.ts, which is server-only (a script cannot import it). */
const SESSION_COOKIE = "__Host-cmk_session";

// Placeholders that satisfy the server's environment schema: the dashboard reads only the database, never Azure.
const APP_ENV = {
  PROVIDER_TENANT_ID: "11111111-1111-4111-8111-111111111111",
  PORTAL_CLIENT_ID: "22222222-2222-4222-8222-222222222222",
  PORTAL_CLIENT_SECRET: "bench-unused",
  CMK_APP_CLIENT_ID: "33333333-3333-4333-8333-333333333333",
  PROVIDER_SUBSCRIPTION_ID: "44444444-4444-4444-8444-444444444444",
  PROVIDER_RESOURCE_GROUP: "cmk-provider-rg",
  PROVIDER_UAMI_RESOURCE_ID: "/subscriptions/44444444-4444-4444-8444-444444444444/resourceGroups/cmk-provider-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmk-des-identity",
  PROVIDER_UAMI_CLIENT_ID: "55555555-5555-4555-8555-555555555555",
  PROVIDER_DES_REGIONS: "westeurope,northeurope",
};

type Sample = { total: number; overview: number | null; bytes: number };

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function say(line: string) {
  process.stdout.write(`${line}\n`);
}

/** Filter/sort/search combinations an operator uses; the first is the default view. */
function combinations(sample: { tenantId: string; vault: string }): string[] {
  return [
    "",
    "sort=name&dir=desc",
    "sort=lastChange&dir=desc",
    "sort=health&dir=desc",
    "sort=region",
    "health=FAILED",
    "health=DEGRADED,KEY_UNREACHABLE,REVOKED&sort=lastChange&dir=desc",
    "step=ACCESS,VERIFY",
    "region=westeurope",
    "q=northwind",
    `q=${encodeURIComponent(sample.tenantId.slice(0, 8))}`,
    `q=${encodeURIComponent(sample.vault)}`,
    "page=40",
  ];
}

/** One GET, read to the end of the stream; when the overview marker arrived, if asked. */
async function get(base: string, pathAndQuery: string, cookie: string, expect: string): Promise<Sample> {
  const started = performance.now();
  const response = await fetch(`${base}${pathAndQuery}`, { headers: { cookie }, redirect: "manual" });
  if (response.status !== 200 || !response.body) throw new AppError("INTERNAL", `GET ${pathAndQuery} answered ${response.status}.`, { fix: "Check the server output above (session, environment, build)." });
  const decoder = new TextDecoder();
  let text = "";
  let overview: number | null = null;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    if (overview === null && text.includes(OVERVIEW_MARKER)) overview = performance.now() - started;
  }
  const total = performance.now() - started;
  if (!text.includes(expect)) throw new AppError("INTERNAL", `GET ${pathAndQuery} did not render "${expect}".`, { fix: "Open the page in a browser with the same build to see what it shows." });
  return { total, overview, bytes: text.length };
}

function startServer(env: NodeJS.ProcessEnv): ChildProcess {
  const server = builtFile("web", ROOT, toolingEnv().NEXT_DIST_DIR);
  const child = spawn(process.execPath, [path.basename(server)], { cwd: path.dirname(server), env, stdio: ["ignore", "ignore", "inherit"] });
  return child;
}

async function waitUntilUp(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new AppError("INTERNAL", `The web server exited (${child.exitCode}) while starting.`, { fix: "See its output above." });
    const ok = await fetch(`${base}/api/health/live`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new AppError("INTERNAL", "The web server did not answer /api/health/live within 60 s.", { fix: "See its output above." });
}

const load = () => loadavg().map((n) => n.toFixed(2)).join(" ");

async function main() {
  const { values } = parseArgs({ options: { tenants: { type: "string", default: "100000" }, rounds: { type: "string", default: "10" } } });
  const tenants = Number(values.tenants);
  const rounds = Math.max(1, Math.min(50, Number(values.rounds)));
  const tooling = toolingEnv();
  const serverFile = builtFile("web", ROOT, tooling.NEXT_DIST_DIR);
  if (!existsSync(serverFile)) throw new AppError("CONFIG_INVALID", `No production build in ${tooling.NEXT_DIST_DIR}.`, { fix: "Run `npm run build` first (with the same NEXT_DIST_DIR)." });
  const port = tooling.E2E_APP_PORT;
  const base = `http://127.0.0.1:${port}`;
  say(`Operator dashboard through HTTP: ${tenants} tenants, ${rounds} rounds, build ${tooling.NEXT_DIST_DIR}, port ${port}; load average ${load()} on ${cpus().length} cores`);

  const database = await createDisposableDatabase(tooling.TEST_DATABASE_ADMIN_URL, "cmk_bench_http");
  const db = createPrismaClient(database.url);
  let server: ChildProcess | undefined;
  try {
    const seeded = await seedDemoData(database.url, { tenants, seed: 20261123 });
    say(`seeded in ${(seeded.millis / 1000).toFixed(1)} s: ${Object.entries(seeded.rows).map(([k, v]) => `${k} ${v}`).join(", ")}`);

    // An operator's session, as the sign-in callback stores it (the cookie holds only the random id).
    const sessionId = randomBytes(32).toString("base64url");
    await db.session.create({
      data: { idHash: hashSessionId(sessionId), kind: "STAFF", tenantId: APP_ENV.PROVIDER_TENANT_ID, userOid: randomUUID(), userName: "bench@provider.example", displayName: "Benchmark operator", roles: ["Operator"], absoluteExpiresAt: new Date(Date.now() + 86_400_000) },
    });
    const cookie = `${SESSION_COOKIE}=${sessionId}`;

    server = startServer(
      childEnv({
        ...APP_ENV,
        DATABASE_URL: database.url,
        SESSION_SECRET: randomBytes(32).toString("base64"),
        APP_BASE_URL: base,
        NODE_ENV: "production",
        PORT: String(port),
        HOSTNAME: "127.0.0.1",
        LOG_LEVEL: "warn",
        BENCH_BARE_PAGE: "true",
        // The run is longer than a staff session trusts its roles by default.
        STAFF_SESSION_REVALIDATE_MINUTES: "240",
      }),
    );
    await waitUntilUp(base, server);

    const sampleKey = await db.keyReference.findFirstOrThrow({ orderBy: { id: "asc" }, include: { customerTenant: { select: { tenantId: true } } } });
    const combos = combinations({ tenantId: sampleKey.customerTenant.tenantId, vault: new URL(sampleKey.vaultUri).hostname.split(".")[0]! });
    const listPath = (combo: string) => `/tenants${combo ? `?${combo}` : ""}`;

    // Warm-up: the server compiles nothing at run time, but its caches and PostgreSQL's are cold.
    for (let i = 0; i < 2; i++) {
      await get(base, "/bench/tenants", cookie, "<table");
      for (const combo of combos) await get(base, listPath(combo), cookie, OVERVIEW_MARKER);
    }

    const loadBefore = load();
    const perCombo = new Map<string, Sample[]>(combos.map((c) => [c, []]));
    const bare: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const combo of combos) {
        // The bare page between every two list pages, so both see the same machine.
        bare.push((await get(base, "/bench/tenants", cookie, "<table")).total);
        perCombo.get(combo)!.push(await get(base, listPath(combo), cookie, OVERVIEW_MARKER));
      }
    }
    const loadAfter = load();

    const all = [...perCombo.values()].flat();
    const list = all.map((s) => s.total);
    const overview = all.map((s) => s.overview).filter((v): v is number => v !== null);
    const listP95 = percentile(list, 95);
    const overviewP95 = percentile(overview, 95);
    const bareP95 = percentile(bare, 95);
    const results = [
      { name: "list p95 (GET /tenants, full HTML)", ms: listP95, bound: LIST_BOUND_MS, ratio: listP95 / LIST_BOUND_MS },
      { name: "overview p95 (funnel panel arrived)", ms: overviewP95, bound: OVERVIEW_BOUND_MS, ratio: overviewP95 / OVERVIEW_BOUND_MS },
      { name: "list p95 / bare page p95", ms: listP95, bound: BARE_RATIO_BOUND * bareP95, ratio: listP95 / bareP95 / BARE_RATIO_BOUND },
    ];

    say(`\nGET /tenants, ${list.length} requests over ${combos.length} combinations (full HTML to the end of the stream; overview = its panel in the stream):`);
    for (const [combo, samples] of perCombo) {
      const totals = samples.map((s) => s.total);
      const overviews = samples.map((s) => s.overview ?? NaN);
      say(`  p50 ${percentile(totals, 50).toFixed(0).padStart(5)} ms  p95 ${percentile(totals, 95).toFixed(0).padStart(5)} ms  overview p50 ${percentile(overviews, 50).toFixed(0).padStart(5)} ms  ${Math.round(samples[0]!.bytes / 1024)} kB  ${combo || "(default view)"}`);
    }
    say(`  bare page GET /bench/tenants: p50 ${percentile(bare, 50).toFixed(0)} ms, p95 ${bareP95.toFixed(0)} ms over ${bare.length} requests`);
    say(`  load average (1, 5, 15 min) before ${loadBefore}, after ${loadAfter}, on ${cpus().length} cores`);
    for (const r of results) say(`RESULT ${r.name}: ${r.ms.toFixed(0)} ms / bound ${r.bound.toFixed(0)} ms = ${r.ratio.toFixed(2)}× ${r.ratio <= 1 ? "OK" : "OVER"}`);

    const worst = Math.max(...results.map((r) => r.ratio));
    mkdirSync(path.join(ROOT, "bench-results"), { recursive: true });
    writeFileSync(
      path.join(ROOT, "bench-results", "dashboard-http.json"),
      `${JSON.stringify(
        {
          benchmark: "dashboard-http",
          at: new Date().toISOString(),
          tenants,
          rounds,
          ratio: worst,
          target: 1,
          ok: worst <= 1,
          results,
          list: { p50: percentile(list, 50), p95: listP95, samples: list.length },
          overview: { p50: percentile(overview, 50), p95: overviewP95, samples: overview.length },
          bare: { p50: percentile(bare, 50), p95: bareP95, samples: bare.length },
          perCombination: Object.fromEntries([...perCombo].map(([combo, s]) => [combo || "(default)", { p50: percentile(s.map((x) => x.total), 50), p95: percentile(s.map((x) => x.total), 95) }])),
          loadAverage: { before: loadBefore, after: loadAfter, cores: cpus().length },
          seeding: { millis: seeded.millis, rows: seeded.rows },
        },
        null,
        2,
      )}\n`,
    );
    if (worst > 1) process.exitCode = 1;
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    await db.$disconnect();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`✖ ${error instanceof AppError ? error.toLine() : error instanceof EnvError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
