// A fresh clone anywhere must pass its tests: nothing in the repository may read files beside it
// (such as the team's shared folder of Azure examples). Copies live under e2e/azure-sim/specs/.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
/** This file names such a path on purpose, to test the pattern. */
const SELF = "scripts/repo-boundary.test.ts";
const CODE = /\.(ts|tsx|mts|mjs|cjs|js|json|sh)$|(^|\/)\.ci\/run$/;
/** A path that climbs out of the repository root into a sibling folder. */
const OUTSIDE = /(["'`]|\s)(\.\.\/)+(shared|azure-rest-specs)\b|['"`]\/work\//;

describe("the repository reads nothing outside itself", () => {
  it("no tracked code file names a path beside the repository", () => {
    const files = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n").filter((f) => CODE.test(f) && f !== "package-lock.json" && f !== SELF);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((file) => OUTSIDE.test(readFileSync(path.join(root, file), "utf8").split("\n").filter((line) => !/^\s*(\/\/|\*|#)/.test(line)).join("\n")));
    expect(offenders).toEqual([]);
  });

  it("the pattern catches a path to the shared folder", () => {
    expect(OUTSIDE.test("const SPECS = path.resolve(repoRoot, '../shared/azure-rest-specs');")).toBe(true);
    expect(OUTSIDE.test("const SPECS = path.resolve(repoRoot, 'e2e/azure-sim/specs');")).toBe(false);
  });
});
