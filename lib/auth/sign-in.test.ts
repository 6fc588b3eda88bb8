// Sign-in as the review asked for it: customer roles (app roles, else directory roles until the tenant assigns
// them), no guests or personal accounts, no tenant row at sign-in, single-use nonces, one session per browser.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { startTestEntra, type TestEntra, type TokenClaims } from "../testing/entra-tokens";
import { hashSessionId, loadActiveSession } from "./session-store";
import { issueSignInNonce } from "./sign-in-nonce";
import { signIn } from "./sign-in";

const db = testDb();
const CLIENT = "22222222-2222-4222-8222-222222222222";
const PROVIDER = "11111111-1111-4111-8111-111111111111";
const CONTOSO = "aaaaaaaa-0000-4000-8000-00000000000a";
const FABRIKAM = "bbbbbbbb-0000-4000-8000-00000000000b";
const GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10";
const HELPDESK_ADMIN = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
let entra: TestEntra;

beforeAll(async () => {
  entra = await startTestEntra();
});
afterAll(() => entra.close());
beforeEach(async () => {
  await db.session.deleteMany();
  await db.customerAppRoleAdoption.deleteMany();
  await db.customerTenant.deleteMany();
});

let oidCounter = 0;
function oid(): string {
  oidCounter += 1;
  return `0e1b6a1c-1111-4aaa-8bbb-${String(oidCounter).padStart(12, "0")}`;
}

/** Obtains a nonce the way the browser does, then hands over an ID token and an access token carrying `claims`. */
async function signInWith(claims: TokenClaims, options: { area?: "customer" | "staff"; previousSessionId?: string; idClaims?: TokenClaims } = {}) {
  const nonce = await issueSignInNonce(db);
  const user = { oid: (claims.oid as string | undefined) ?? oid(), ...claims };
  const idToken = await entra.sign({ ...user, aud: CLIENT, nonce, ...options.idClaims });
  const accessToken = await entra.sign({ ...user, aud: `api://${CLIENT}`, scp: "access_as_user" });
  const input = { area: options.area ?? "customer", accessToken, idToken, expectedNonce: nonce, previousSessionId: options.previousSessionId } as const;
  return { input, result: signIn(db, input) };
}

async function sessionRoles(sessionId: string) {
  return (await loadActiveSession(db, sessionId))?.roles;
}

describe("customer roles", () => {
  it("takes Customer.Admin and Customer.Reader from the app-role claim and records that the tenant assigns them", async () => {
    const { result } = await signInWith({ tid: CONTOSO, roles: ["Customer.Reader"] });
    expect(await sessionRoles((await result).sessionId)).toEqual(["Customer.Reader"]);
    expect(await db.customerAppRoleAdoption.findUnique({ where: { entraTenantId: CONTOSO } })).not.toBeNull();
    const admin = await signInWith({ tid: CONTOSO, roles: ["Customer.Admin"] });
    expect(await sessionRoles((await admin.result).sessionId)).toEqual(["Customer.Admin"]);
  });

  it("accepts an administering directory role (wids) as Customer.Admin until the tenant has assigned app roles", async () => {
    const { result } = await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN] });
    expect(await sessionRoles((await result).sessionId)).toEqual(["Customer.Admin"]);
    // Once a Customer.* role has been seen from the tenant, directory roles no longer count there.
    await (await signInWith({ tid: CONTOSO, roles: ["Customer.Reader"] })).result;
    await expect((await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN] })).result).rejects.toMatchObject({ code: "FORBIDDEN", safeMessage: expect.stringContaining("has no role") });
    // Another tenant still falls back to directory roles.
    expect(await sessionRoles((await (await signInWith({ tid: FABRIKAM, wids: [GLOBAL_ADMIN] })).result).sessionId)).toEqual(["Customer.Admin"]);
  });

  it("refuses a member with neither an app role nor an administering directory role, saying how to get one", async () => {
    await expect((await signInWith({ tid: CONTOSO })).result).rejects.toMatchObject({ code: "FORBIDDEN", fix: expect.stringContaining("Customer.Admin") });
    await expect((await signInWith({ tid: CONTOSO, wids: [HELPDESK_ADMIN] })).result).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("creates no customer tenant row at sign-in", async () => {
    await (await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN] })).result;
    expect(await db.customerTenant.count({ where: { tenantId: CONTOSO } })).toBe(0);
  });
});

describe("accounts that are refused", () => {
  it("refuses guests marked by acct=1", async () => {
    await expect((await signInWith({ tid: CONTOSO, roles: ["Customer.Admin"], acct: 1 })).result).rejects.toMatchObject({ code: "FORBIDDEN", safeMessage: expect.stringContaining("guest") });
  });

  it("refuses guests whose identity provider is another tenant, or a Microsoft account", async () => {
    await expect((await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN], idp: `https://sts.windows.net/${FABRIKAM}/` })).result).rejects.toMatchObject({ safeMessage: expect.stringContaining("guest") });
    await expect((await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN], idp: "live.com" })).result).rejects.toMatchObject({ safeMessage: expect.stringContaining("guest") });
    // A member's idp, when present, names its own tenant.
    await expect((await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN], idp: `https://sts.windows.net/${CONTOSO}/`, acct: 0 })).result).resolves.toBeTruthy();
  });

  it("refuses personal Microsoft accounts", async () => {
    await expect((await signInWith({ tid: "9188040d-6c67-4c5b-b112-36a304b66dad", roles: ["Customer.Admin"] })).result).rejects.toMatchObject({ code: "FORBIDDEN", safeMessage: expect.stringContaining("personal Microsoft account") });
  });

  it("refuses guests in the provider's tenant too, whatever their staff roles", async () => {
    await expect((await signInWith({ tid: PROVIDER, roles: ["Support"], acct: 1 }, { area: "staff" })).result).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("nonces and sessions", () => {
  it("uses a nonce once: the same token pair handed over again is refused", async () => {
    const { input, result } = await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN] });
    await result;
    await expect(signIn(db, input)).rejects.toMatchObject({ code: "UNAUTHENTICATED", safeMessage: expect.stringContaining("already completed") });
  });

  it("refuses a nonce the server never issued, or one past its TTL", async () => {
    const idToken = await entra.sign({ oid: oid(), tid: CONTOSO, wids: [GLOBAL_ADMIN], aud: CLIENT, nonce: "made-up" });
    const accessToken = await entra.sign({ oid: oid(), tid: CONTOSO, aud: `api://${CLIENT}`, scp: "access_as_user" });
    await expect(signIn(db, { area: "customer", idToken, accessToken, expectedNonce: "made-up" })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const old = await issueSignInNonce(db, new Date(Date.now() - 11 * 60_000));
    const user = { oid: oid(), tid: CONTOSO, wids: [GLOBAL_ADMIN] };
    await expect(
      signIn(db, { area: "customer", idToken: await entra.sign({ ...user, aud: CLIENT, nonce: old }), accessToken: await entra.sign({ ...user, aud: `api://${CLIENT}`, scp: "access_as_user" }), expectedNonce: old }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("ends the browser's previous session when it signs in again", async () => {
    const first = await (await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN] })).result;
    const second = await (await signInWith({ tid: CONTOSO, wids: [GLOBAL_ADMIN] }, { previousSessionId: first.sessionId })).result;
    expect(await db.session.findUnique({ where: { idHash: hashSessionId(first.sessionId) } })).toBeNull();
    expect(await loadActiveSession(db, second.sessionId)).not.toBeNull();
  });

  it("stores auth_time (from the ID token) and acrs (from the access token) on the session", async () => {
    const authTime = Math.floor(Date.now() / 1000) - 30;
    const { result } = await signInWith({ tid: PROVIDER, roles: ["Support"], acrs: ["c1"] }, { area: "staff", idClaims: { auth_time: authTime } });
    const user = await loadActiveSession(db, (await result).sessionId);
    expect(user?.authTime?.getTime()).toBe(authTime * 1000);
    expect(user?.acrs).toEqual(["c1"]);
  });
});
