// /api/v1 operations as registered actions: the same wrapper as the server actions (roles from the token, tenant from
// the token, denial audited, safe errors), and the same registry, so lib/auth/isolation.test.ts covers them too.
// Rotation reuses the console's own action (support.rotate_key) unchanged.
import { z } from "zod";
import { defineCustomerAction, defineStaffAction } from "../auth/actions";
import { CUSTOMER_ADMIN_ROLE, CUSTOMER_AUTOMATION_ROLE, CUSTOMER_READER_ROLE } from "../auth/roles";
import { parseTenantListQuery } from "../dashboard/filters";
import { getTenantDetail } from "../dashboard/tenant-detail";
import { listTenants } from "../dashboard/tenant-list";
import { readOnboarding, readStatus, submitKey } from "./customer";
import { submitKeyBody, tenantListQuery, tenantPath } from "./schemas";

const CUSTOMER_READERS = [CUSTOMER_ADMIN_ROLE, CUSTOMER_READER_ROLE, CUSTOMER_AUTOMATION_ROLE] as const;
const CUSTOMER_WRITERS = [CUSTOMER_ADMIN_ROLE, CUSTOMER_AUTOMATION_ROLE] as const;
/** The operator console's area role (lib/auth/roles.ts AREA_ROLES.operator). */
const OPERATOR = ["Operator"] as const;

export const readOnboardingApiAction = defineCustomerAction("api.onboarding.read", z.object({}), (ctx) => readOnboarding(ctx), { roles: CUSTOMER_READERS });

export const submitKeyApiAction = defineCustomerAction("api.onboarding.submit_key", submitKeyBody, (ctx, input) => submitKey(ctx, input), { roles: CUSTOMER_WRITERS });

export const readStatusApiAction = defineCustomerAction("api.status.read", z.object({}), (ctx) => readStatus(ctx), { roles: CUSTOMER_READERS });

export const listTenantsApiAction = defineStaffAction("api.tenants.list", OPERATOR, tenantListQuery, async ({ db }, input) => {
  const page = await listTenants(db, parseTenantListQuery({ q: input.q ?? "", page: String(input.page), pageSize: String(input.pageSize) }));
  return {
    ...page,
    rows: page.rows.map((row) => ({
      id: row.id,
      tenantId: row.tenantId,
      displayName: row.displayName,
      step: row.step,
      status: row.status,
      healthState: row.healthState,
      desState: row.desState,
      keyUrl: row.keyUrl,
      region: row.region,
      lastHealthCheckAt: row.lastHealthCheckAt?.toISOString() ?? null,
    })),
  };
});

export const readTenantApiAction = defineStaffAction("api.tenants.read", OPERATOR, tenantPath, async ({ db }, input) => {
  const detail = await getTenantDetail(db, input.customerTenantId);
  const { tenant } = detail;
  return {
    id: tenant.id,
    tenantId: tenant.tenantId,
    displayName: tenant.displayName,
    consentStatus: tenant.consentStatus,
    healthState: tenant.healthState,
    step: tenant.onboarding?.step ?? null,
    diskEncryptionSets: detail.diskEncryptionSets.map((des) => ({
      id: des.id,
      name: des.name,
      region: des.region,
      armId: des.armId,
      provisioningState: des.provisioningState,
      healthState: des.healthState,
      keyUrl: des.keyReference.keyUrl,
      lastErrorCode: des.lastErrorCode,
      lastErrorMessage: des.lastErrorMessage,
    })),
  };
});
