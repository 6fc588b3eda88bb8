import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from "@playwright/test";
import pg from "pg";
import { toolingEnv } from "../lib/env";
import { HOSTILE_ACTION_INPUTS, HOSTILE_API_BODIES, ROUTE_CASES, TENANT_B } from "../lib/testing/isolation-cases";
import { assignCustomerAutomation, clientCredentialsToken, contosoPipeline, PORTAL_API, staffAutomation } from "./support/api";
import { SIM } from "./azure-sim/seed";
import { signInAs } from "./support/auth";
import { e2eDatabaseUrl } from "./support/e2e-database";
import { freshWorld } from "./support/world";

// Tenant isolation of what `next build` really produced: every server action id in the build's
// server-reference manifest and every route handler in its route list is called over HTTP by hostile callers
// (no session, the wrong kind of account, a customer of tenant A aiming at tenant B). The spec fails when the
// build holds an action or a route without a case in lib/testing/isolation-cases.ts.
test.describe.configure({ mode: "serial" });
test.beforeAll(freshWorld);

const DIST = path.resolve(import.meta.dirname, "..", toolingEnv().NEXT_DIST_DIR);
const ANY_ID = "0c0c0c0c-0000-4000-8000-00000000000c";

type BuiltAction = { id: string; file: string; exportedName: string; pagePath: string };

/** URL path of each built app entry, e.g. "/(customer)/onboarding/vault/page" → "/onboarding/vault". */
function appPathRoutes(): Record<string, string> {
  return JSON.parse(readFileSync(path.join(DIST, "app-path-routes-manifest.json"), "utf8")) as Record<string, string>;
}

function concrete(urlPath: string): string {
  return urlPath.replace(/\[\[?\.{0,3}[^\]]+\]\]?/g, ANY_ID);
}

function builtActions(): BuiltAction[] {
  const manifest = JSON.parse(readFileSync(path.join(DIST, "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; filename?: string; exportedName?: string }>;
  };
  const routes = appPathRoutes();
  return Object.entries(manifest.node).map(([id, entry]) => {
    const worker = Object.keys(entry.workers).find((w) => w.endsWith("/page"));
    if (!worker) throw new Error(`server action ${id} (${entry.filename}#${entry.exportedName}) is built into no page`);
    const urlPath = routes[worker.replace(/^app/, "")];
    if (urlPath === undefined) throw new Error(`no URL for ${worker} in app-path-routes-manifest.json`);
    return { id, file: entry.filename ?? "?", exportedName: entry.exportedName ?? "?", pagePath: concrete(urlPath) };
  });
}

function builtRouteHandlers(): string[] {
  return Object.entries(appPathRoutes())
    .filter(([entry]) => entry.endsWith("/route"))
    .map(([, urlPath]) => urlPath);
}

/** Calls a server action as the browser's runtime does: POST to a page that holds it, with its id. */
async function callAction(client: APIRequestContext, baseURL: string, action: BuiltAction, input: unknown): Promise<{ code: string | null; body: string }> {
  const response = await client.post(action.pagePath, {
    headers: { "Next-Action": action.id, "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: baseURL },
    data: JSON.stringify([input]),
    maxRedirects: 0,
  });
  const body = await response.text();
  expect(response.status(), `${action.file}#${action.exportedName}: ${body.slice(0, 300)}`).toBe(200);
  return { code: /"ok":false,"error":\{"code":"([A-Z_]+)"/.exec(body)?.[1] ?? null, body };
}

let db: pg.Client;
let customerA: Page;
let operator: Page;

async function queryRows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

/** Everything the database holds about tenant B, as one string: what a hostile call must not change. */
async function snapshotOfB(): Promise<string> {
  const tenants = await queryRows<{ id: string }>(`SELECT * FROM "CustomerTenant" WHERE "tenantId" = $1`, [TENANT_B.tenantId]);
  const ids = tenants.map((t) => t.id);
  const related: unknown[] = [];
  for (const table of ["Onboarding", "KeyReference", "DiskEncryptionSet", "Job", "HealthEvent", "RevocationRequest"]) {
    related.push(await queryRows(`SELECT * FROM "${table}" WHERE "customerTenantId" = ANY($1::uuid[]) ORDER BY 1`, [ids]));
  }
  related.push(await queryRows(`SELECT * FROM "ConsentRequest" WHERE "tenantId" = $1::uuid ORDER BY 1`, [TENANT_B.tenantId]));
  return JSON.stringify({ tenants, related });
}

test.beforeAll(async ({ browser }) => {
  db = new pg.Client({ connectionString: e2eDatabaseUrl(toolingEnv().E2E_APP_PORT) });
  await db.connect();
  // Tenant B exists and has started onboarding: there is something to steal or change.
  const fabrikam = await browser.newPage();
  await signInAs(fabrikam, "admin@fabrikam.example", "customer");
  await fabrikam.close();
  customerA = await browser.newPage();
  await signInAs(customerA, "admin@contoso.example", "customer");
  operator = await browser.newPage();
  await signInAs(operator, "operator@skyline.example", "operator");
});

test.afterAll(async () => {
  await db?.end();
});

test("the build's manifests list the actions and route handlers", () => {
  expect(builtActions().length).toBeGreaterThan(10);
  expect(builtRouteHandlers()).toContain("/api/auth/session");
});

test("every built server action maps to a registered action with a hostile case, and refuses hostile callers", async ({ baseURL }) => {
  const anonymous = await playwrightRequest.newContext({ baseURL });
  const customerOid = (await queryRows<{ userOid: string }>(`SELECT "userOid" FROM "Session" WHERE "tenantId" = $1::uuid LIMIT 1`, [SIM.customers.contoso.tenantId]))[0]?.userOid;
  const operatorOid = (await queryRows<{ userOid: string }>(`SELECT "userOid" FROM "Session" WHERE kind = 'STAFF' LIMIT 1`))[0]?.userOid;
  expect(customerOid && operatorOid, "both sessions exist").toBeTruthy();
  const missing: string[] = [];
  const seen = new Map<string, string>();
  for (const action of builtActions()) {
    const where = `${action.file}#${action.exportedName}`;
    // No session: refused before anything runs.
    expect((await callAction(anonymous, baseURL!, action, {})).code, `${where} without a session`).toBe("UNAUTHENTICATED");

    // The wrong kind of account: refused, and the refusal's audit row names the registered definition.
    let name: string | undefined;
    for (const [caller, oid] of [[operator, operatorOid], [customerA, customerOid]] as const) {
      const before = await queryRows<{ n: string }>(`SELECT count(*)::text AS n FROM "AuditEvent" WHERE "actorId" = $1 AND action LIKE '%.denied'`, [oid]);
      const { code } = await callAction(caller.request, baseURL!, action, {});
      if (code !== "FORBIDDEN") continue;
      const denied = await queryRows<{ action: string; n: string }>(
        `SELECT action, (SELECT count(*)::text FROM "AuditEvent" WHERE "actorId" = $1 AND action LIKE '%.denied') AS n FROM "AuditEvent" WHERE "actorId" = $1 AND action LIKE '%.denied' ORDER BY seq DESC LIMIT 1`,
        [oid],
      );
      expect(Number(denied[0]?.n), `${where}: the refusal was audited`).toBe(Number(before[0]?.n) + 1);
      name = denied[0]!.action.replace(/\.denied$/, "");
      break;
    }
    if (!name) {
      missing.push(`${where}: neither a customer nor an operator was refused, so it is not a defined customer or staff action`);
      continue;
    }
    // One registered action may be forwarded from several pages (e.g. grant removal on the wizard and the status page).
    seen.set(where, name);
    if (!(name in HOSTILE_ACTION_INPUTS)) {
      missing.push(`${where} (action "${name}"): no hostile case in lib/testing/isolation-cases.ts`);
      continue;
    }

    // A customer of tenant A aims it at tenant B: B is neither changed nor shown (staff actions refuse A outright).
    const before = await snapshotOfB();
    const { code, body } = await callAction(customerA.request, baseURL!, action, HOSTILE_ACTION_INPUTS[name]);
    expect(await snapshotOfB(), `${name} changed tenant B`).toBe(before);
    expect(body, `${name} revealed tenant B`).not.toContain(TENANT_B.tenantId);
    expect(body, `${name} revealed tenant B's vault`).not.toMatch(/fabrikam/i);
    if (name.startsWith("support.") || name.startsWith("health.") || name.startsWith("provisioning.")) expect(code, name).toBe("FORBIDDEN");
  }
  await anonymous.dispose();
  expect(missing).toEqual([]);
  expect(seen.size, "every built action was checked against its registered action").toBe(builtActions().length);
});

test("every built route handler has a hostile case, and refuses hostile callers", async ({ baseURL }) => {
  const anonymous = await playwrightRequest.newContext({ baseURL, ignoreHTTPSErrors: true });
  // /api/v1 callers: tenant A's pipeline (given Customer.Automation through Graph) and the provider's automation app.
  await assignCustomerAutomation(anonymous);
  const pipeline = { authorization: `Bearer ${await clientCredentialsToken(anonymous, contosoPipeline, PORTAL_API)}` };
  const staffApp = { authorization: `Bearer ${await clientCredentialsToken(anonymous, staffAutomation, PORTAL_API)}` };
  const missing = builtRouteHandlers().filter((route) => !(route in ROUTE_CASES));
  expect(missing, "route handlers without a case in lib/testing/isolation-cases.ts").toEqual([]);
  for (const route of builtRouteHandlers()) {
    const rule = ROUTE_CASES[route]!;
    switch (rule.kind) {
      case "public": {
        const response = await anonymous.get(route);
        const body = await response.text();
        expect(body, `${route} is public: it must hold no tenant's data`).not.toMatch(new RegExp(`contoso|fabrikam|${SIM.customers.contoso.tenantId}|${TENANT_B.tenantId}`, "i"));
        break;
      }
      case "customer-data": {
        expect((await anonymous.get(route, { maxRedirects: 0 })).status(), `${route} without a session`).toBe(401);
        expect((await operator.request.get(route)).status(), `${route} for staff`).toBe(403);
        const own = await customerA.request.get(`${route}?tenant=${TENANT_B.tenantId}&customerTenantId=${TENANT_B.tenantId}`);
        expect([200, 404], `${route}: A's own data, or none yet`).toContain(own.status());
        // The export audits its own filters (the hostile query echoed inside the Details JSON); no row may be B's.
        for (const line of (await own.text()).split("\n")) expect(line, `${route} showed tenant B`).not.toMatch(new RegExp(`,(${TENANT_B.tenantId}|[^,"]*fabrikam[^,"]*),`, "i"));
        break;
      }
      case "staff-data": {
        expect((await anonymous.get(route, { maxRedirects: 0 })).status(), `${route} without a session`).toBe(401);
        expect((await customerA.request.get(route)).status(), `${route} for a customer`).toBe(403);
        if (rule.refusedStaff === "operator") expect((await operator.request.get(route)).status(), `${route} for an operator`).toBe(403);
        break;
      }
      case "session": {
        for (const method of rule.methods) {
          const foreign = await customerA.request.fetch(route, { method, headers: { Origin: "https://evil.example" }, data: method === "POST" ? {} : undefined });
          expect(foreign.status(), `${method} ${route} from another site`).toBe(403);
        }
        break;
      }
      case "api-customer":
      case "api-staff": {
        const url = concrete(route);
        const send = (headers: Record<string, string>, client: APIRequestContext = anonymous) =>
          client.fetch(url, { method: rule.method, headers, data: rule.method === "POST" ? (HOSTILE_API_BODIES[route] ?? {}) : undefined, maxRedirects: 0 });
        const anon = await send({});
        expect(anon.status(), `${route} without a token`).toBe(401);
        expect(anon.headers()["content-type"], `${route} answers problem+json`).toBe("application/problem+json");
        // A signed-in browser session is no credential for the API: only a bearer token is.
        expect((await send({}, operator.request)).status(), `${route} with a staff session cookie and no token`).toBe(401);
        if (rule.kind === "api-staff") {
          expect((await send(pipeline)).status(), `${route} for a customer's pipeline`).toBe(403);
          break;
        }
        expect((await send(staffApp)).status(), `${route} for the provider's automation app`).toBe(403);
        const before = await snapshotOfB();
        const own = await send(pipeline);
        const shown = await own.text();
        expect(await snapshotOfB(), `${route} changed tenant B`).toBe(before);
        expect(shown, `${route} revealed tenant B`).not.toContain(TENANT_B.tenantId);
        expect(shown, `${route} revealed tenant B's vault`).not.toMatch(/fabrikam/i);
        if (rule.method === "POST") expect(own.status(), `${route}: B's key is refused`).toBeGreaterThanOrEqual(400);
        break;
      }
      case "consent-callback": {
        const anon = await anonymous.get(`${route}?admin_consent=True&tenant=${TENANT_B.tenantId}&state=x`, { maxRedirects: 0 });
        expect(anon.headers().location ?? "", `${route} without a session`).toContain("/signin");
        const before = await snapshotOfB();
        await customerA.request.get(`${route}?admin_consent=True&tenant=${TENANT_B.tenantId}&state=x`, { maxRedirects: 0 });
        expect(await snapshotOfB(), `${route} changed tenant B`).toBe(before);
        break;
      }
    }
  }
  // Tenant A's customer is still signed in: the foreign DELETE above did not end the session.
  expect((await customerA.request.get("/onboarding/consent", { maxRedirects: 0 })).status()).toBe(200);
  await anonymous.dispose();
});
