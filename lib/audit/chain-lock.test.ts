import { describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { AUDIT_CHAIN_LOCK } from "./log";

// Two writers of the chain (audit_append in SQL, the bulk demo seed in TypeScript) must take the same lock, or
// an event could link to a predecessor that another writer is replacing.
describe("the audit chain lock", () => {
  it("is the number the migrated audit_append function locks", async () => {
    const [row] = await testDb().$queryRaw<{ def: string }[]>`SELECT pg_get_functiondef('audit_append'::regproc) AS def`;
    const locks = [...row!.def.matchAll(/pg_advisory_xact_lock\((\d+)\)/g)].map((m) => Number(m[1]));
    expect(locks).toEqual([AUDIT_CHAIN_LOCK]);
  });
});
