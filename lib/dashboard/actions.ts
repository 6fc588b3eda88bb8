// The operator's actions on a tenant. Thin: parse, check the Operator role (defineStaffAction), call the
// provisioning service, which queues the work as a job and records it. Nothing here talks to Azure.
import { z } from "zod";
import { defineStaffAction } from "../auth/actions";
import { retryProvisioning, runHealthCheckNow } from "../provisioning/service";

const onTenant = z.object({ customerTenantId: z.string().uuid("must be a customer tenant id") });

export const retryProvisioningAction = defineStaffAction("provisioning.retry", ["Operator"], onTenant, async ({ user, db, requestId }, { customerTenantId }) =>
  retryProvisioning(db, { customerTenantId, requestedBy: user.userOid, requestId }),
);

export const runHealthCheckNowAction = defineStaffAction("health.check_now", ["Operator"], onTenant, async ({ user, db, requestId }, { customerTenantId }) =>
  runHealthCheckNow(db, { customerTenantId, requestedBy: user.userOid, requestId }),
);
