// docs/deploy.md is the platform team's reference for every environment variable: it must list each one that
// lib/env.ts reads, and name none that does not exist (a renamed or removed variable would otherwise live on in
// the deployment commands people copy). Its commands name only bundles the build produces, and README's set-up
// section points to it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { parseProviderSetupEnv, parseServerEnv, toolingEnv } from "../lib/env";
import { BUNDLES } from "./build-artifacts";
import { PRODUCTION_COMMANDS } from "./production-processes";

const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** The guide's section whose tables list the variables, and its sub-section for variables other programs read. */
const ENV_SECTION = "## Environment variables";
const OTHER_PROGRAMS = "### Read by other programs, not by lib/env.ts";

/** Every variable lib/env.ts reads: the keys of its zod objects (`NAME: …` at the start of a line) and `process.env.NAME`. */
function envModuleVariables(source: string): Set<string> {
  const code = source.split("\n").filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line)).join("\n");
  const keys = [...code.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*:/gm)].map((m) => m[1] ?? "");
  const direct = [...code.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] ?? "");
  return new Set([...keys, ...direct]);
}

/** The variables named in the first cell (`NAME`) of the table rows of one part of the guide. */
function tableVariables(markdown: string): string[] {
  return markdown.split("\n").flatMap((line) => {
    const cell = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line);
    return cell?.[1] ? [cell[1]] : [];
  });
}

type DeployDocVariables = { documented: string[]; otherPrograms: string[]; mentioned: Set<string> };

/**
 * `documented`: rows of the environment tables; `otherPrograms`: rows of the sub-section for variables that the
 * platform, Node.js, Next.js or psql read; `mentioned`: every variable the guide uses elsewhere — `NAME=` in a code
 * block (shell variables in the guide's commands are lower case) and an upper-case `NAME_WITH_UNDERSCORE` in backticks.
 */
function deployDocVariables(markdown: string): DeployDocVariables {
  const start = markdown.indexOf(`\n${ENV_SECTION}\n`);
  if (start < 0) throw new Error(`docs/deploy.md has no "${ENV_SECTION}" section`);
  const rest = markdown.slice(start + ENV_SECTION.length + 2);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const split = section.indexOf(`\n${OTHER_PROGRAMS}\n`);
  if (split < 0) throw new Error(`docs/deploy.md has no "${OTHER_PROGRAMS}" sub-section`);
  const afterOthers = section.slice(split + OTHER_PROGRAMS.length + 2);
  const othersEnd = afterOthers.search(/\n### /);
  const others = othersEnd < 0 ? afterOthers : afterOthers.slice(0, othersEnd);
  const main = section.slice(0, split) + (othersEnd < 0 ? "" : afterOthers.slice(othersEnd));

  const mentioned = new Set<string>();
  const blocks = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1] ?? "");
  for (const block of blocks) for (const m of block.matchAll(/(?<![A-Za-z0-9_$])([A-Z][A-Z0-9_]*)=/g)) mentioned.add(m[1] ?? "");
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, "");
  for (const m of prose.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g)) mentioned.add(m[1] ?? "");
  return { documented: tableVariables(main), otherPrograms: tableVariables(others), mentioned };
}

/**
 * The Default column of the environment tables where it is one literal (`60`, `https://…`); cells that explain a
 * derived or process-specific default in words are not compared.
 */
function documentedDefaults(markdown: string): Map<string, string> {
  const section = markdown.slice(markdown.indexOf(`\n${ENV_SECTION}\n`), markdown.indexOf(`\n${OTHER_PROGRAMS}\n`));
  const defaults = new Map<string, string>();
  for (const line of section.split("\n")) {
    const cells = line.replaceAll("\\|", "\u0000").split("|").map((cell) => cell.trim());
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? "")?.[1];
    const literal = /^`([^`]*)`$/.exec(cells[3] ?? "")?.[1];
    if (name && literal !== undefined) defaults.set(name, literal);
  }
  return defaults;
}

/** A parsed setting as the guide writes it: lists comma-separated, Key Vault suffixes by name. */
function asWritten(value: unknown): string | undefined {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const parts = value.map((item: unknown) => (typeof item === "object" && item !== null && "suffix" in item ? `${String(item.suffix)}${"anyPort" in item && item.anyPort ? ":*" : ""}` : asWritten(item)));
    return parts.every((part) => part !== undefined) ? parts.join(",") : undefined;
  }
  return undefined;
}

const MINIMAL_SERVER_ENV = {
  DATABASE_URL: "postgresql://cmk@127.0.0.1:5432/cmk",
  PROVIDER_TENANT_ID: "11111111-1111-4111-8111-111111111111",
  PORTAL_CLIENT_ID: "22222222-2222-4222-8222-222222222222",
  CMK_APP_CLIENT_ID: "33333333-3333-4333-8333-333333333333",
  PROVIDER_SUBSCRIPTION_ID: "44444444-4444-4444-8444-444444444444",
  PROVIDER_RESOURCE_GROUP: "cmk-provider-rg",
  PROVIDER_UAMI_RESOURCE_ID: "/subscriptions/44444444-4444-4444-8444-444444444444/resourceGroups/cmk-provider-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmk-des-identity",
  PROVIDER_UAMI_CLIENT_ID: "55555555-5555-4555-8555-555555555555",
  PROVIDER_DES_REGIONS: "westeurope",
  SESSION_SECRET: Buffer.alloc(32, 7).toString("base64"),
};

/** What each schema of lib/env.ts makes of an environment that sets only what it requires. */
function actualDefaults(names: string[]): Map<string, unknown> {
  const server: Record<string, unknown> = parseServerEnv(MINIMAL_SERVER_ENV);
  const provider: Record<string, unknown> = parseProviderSetupEnv({ PROVIDER_TENANT_ID: MINIMAL_SERVER_ENV.PROVIDER_TENANT_ID, PROVIDER_SUBSCRIPTION_ID: MINIMAL_SERVER_ENV.PROVIDER_SUBSCRIPTION_ID, PROVIDER_DES_REGIONS: "westeurope" });
  for (const name of names) vi.stubEnv(name, "");
  let tooling: Record<string, unknown>;
  try {
    tooling = toolingEnv();
  } finally {
    vi.unstubAllEnvs();
  }
  const actual = new Map<string, unknown>();
  for (const name of names) {
    const required = name in MINIMAL_SERVER_ENV;
    const candidates = [required ? undefined : server[name], provider[name], tooling[name]].filter((value) => value !== undefined);
    actual.set(name, candidates[0]);
  }
  return actual;
}

const duplicates = (names: string[]) => names.filter((name, i) => names.indexOf(name) !== i);
const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

describe("docs/deploy.md and lib/env.ts", () => {
  const env = envModuleVariables(read("lib/env.ts"));
  const doc = deployDocVariables(read("docs/deploy.md"));

  it("documents every variable lib/env.ts reads", () => {
    expect(sorted([...env].filter((name) => !doc.documented.includes(name)))).toEqual([]);
  });

  it("lists no variable that lib/env.ts does not read, and each one once", () => {
    expect(sorted(doc.documented.filter((name) => !env.has(name)))).toEqual([]);
    expect(duplicates(doc.documented)).toEqual([]);
  });

  it("keeps variables of other programs apart from the product's own", () => {
    expect(doc.otherPrograms.length).toBeGreaterThan(0);
    expect(sorted(doc.otherPrograms.filter((name) => env.has(name)))).toEqual([]);
  });

  it("uses in its commands and prose only variables that exist", () => {
    const known = new Set([...env, ...doc.otherPrograms]);
    expect(sorted([...doc.mentioned].filter((name) => !known.has(name)))).toEqual([]);
  });

  it("gives the defaults lib/env.ts applies", () => {
    const documented = documentedDefaults(read("docs/deploy.md"));
    expect(documented.size).toBeGreaterThan(30);
    const actual = actualDefaults([...documented.keys()]);
    const wrong = [...documented].filter(([name, literal]) => asWritten(actual.get(name)) !== literal).map(([name, literal]) => `${name}: guide ${literal}, lib/env.ts ${asWritten(actual.get(name)) ?? "no default"}`);
    expect(wrong).toEqual([]);
  });

  it("runs only commands the build produces", () => {
    const guide = read("docs/deploy.md");
    const bundles = sorted([...guide.matchAll(/dist\/([a-z0-9-]+)\.mjs/g)].map((m) => m[1] ?? ""));
    expect(bundles.length).toBeGreaterThan(0);
    expect(bundles.filter((name) => !(name in BUNDLES))).toEqual([]);
    for (const command of Object.values(PRODUCTION_COMMANDS)) expect(guide).toContain(`\`${command.join(" ")}`);
  });

  it("builds only the Dockerfile's targets, and says what the image sets as the Dockerfile does", () => {
    const guide = read("docs/deploy.md");
    const dockerfile = read("Dockerfile");
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1] ?? "");
    const targets = sorted([...guide.matchAll(/--target\s+([a-z0-9-]+)/g)].map((m) => m[1] ?? ""));
    expect(targets).toEqual(["migrate", "web", "worker"]);
    expect(targets.filter((target) => !stages.includes(target))).toEqual([]);
    const envSettings = dockerfile.replace(/\\\n/g, " ").split("\n").filter((line) => /^ENV\s/.test(line)).flatMap((line) => line.split(/\s+/).slice(1));
    for (const setting of ["NODE_ENV=production", "PORT=3000", "HOSTNAME=0.0.0.0"]) {
      expect(guide).toContain(`\`${setting}\``);
      expect(envSettings).toContain(setting);
    }
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it("is linked from README's set-up section", () => {
    const readme = read("README.md");
    const setUp = readme.slice(readme.indexOf("\n## Set-up\n"), readme.indexOf("\n## ", readme.indexOf("\n## Set-up\n") + 1));
    expect(setUp).toContain("](docs/deploy.md)");
  });
});

describe("the extraction itself", () => {
  it("finds keys of every schema in lib/env.ts, and process.env reads", () => {
    const env = envModuleVariables(read("lib/env.ts"));
    for (const name of ["DATABASE_URL", "AUDIT_SIGNING_KEY", "CI", "NEXT_DIST_DIR", "PROVIDER_SETUP_CLIENT_SECRET", "LOG_LEVEL"]) expect(env).toContain(name);
    expect(envModuleVariables("const s = z.object({\n  NEW_SETTING: z.string(),\n  // NOTE: not a key\n});\nprocess.env.OTHER_ONE;")).toEqual(new Set(["NEW_SETTING", "OTHER_ONE"]));
  });

  it("reads table rows, code-block assignments and backticked names, and fails on a missing section", () => {
    const markdown = [
      "# Guide", "Set `MADE_UP_NAME` first.", "```bash", "az containerapp create --env-vars TYPO_VAR=1 rg=x", "```",
      ENV_SECTION, "| Variable | Use |", "|---|---|", "| `DATABASE_URL` | the app |",
      OTHER_PROGRAMS, "| `HOSTNAME` | Next.js |", "## Next",
    ].join("\n");
    const parsed = deployDocVariables(markdown);
    expect(parsed.documented).toEqual(["DATABASE_URL"]);
    expect(parsed.otherPrograms).toEqual(["HOSTNAME"]);
    expect(sorted(parsed.mentioned)).toEqual(["DATABASE_URL", "MADE_UP_NAME", "TYPO_VAR"]);
    expect(() => deployDocVariables("# Guide\n")).toThrow(/no "## Environment variables" section/);
  });
});
