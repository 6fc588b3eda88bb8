-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "OnboardingStep" AS ENUM ('CONSENT', 'KEY_VAULT', 'KEY', 'ACCESS', 'VERIFY', 'REVIEW', 'SUBMITTED');

-- CreateEnum
CREATE TYPE "ConsentStatus" AS ENUM ('NOT_GRANTED', 'GRANTED', 'REMOVED');

-- CreateEnum
CREATE TYPE "VaultPermissionModel" AS ENUM ('RBAC', 'ACCESS_POLICY');

-- CreateEnum
CREATE TYPE "DesProvisioningState" AS ENUM ('QUEUED', 'CREATING', 'SUCCEEDED', 'UPDATING', 'FAILED', 'DELETING');

-- CreateEnum
CREATE TYPE "HealthState" AS ENUM ('UNKNOWN', 'HEALTHY', 'DEGRADED', 'KEY_UNREACHABLE', 'REVOKED');

-- CreateEnum
CREATE TYPE "JobKind" AS ENUM ('PROVISION_DES', 'HEALTH_CHECK', 'ROTATE_KEY', 'REVOKE', 'RESTORE');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('OPERATOR', 'SUPPORT', 'SUPPORT_APPROVER');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('CUSTOMER', 'STAFF', 'SYSTEM');

-- CreateEnum
CREATE TYPE "AuditResult" AS ENUM ('SUCCESS', 'FAILURE', 'DENIED');

-- CreateTable
CREATE TABLE "ProviderConfig" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "cmkAppClientId" UUID NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "resourceGroup" TEXT NOT NULL,
    "uamiResourceId" TEXT NOT NULL,
    "uamiClientId" UUID NOT NULL,
    "desRegions" TEXT[],
    "notifyWebhookUrl" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProviderConfig_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerTenant" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "displayName" TEXT NOT NULL,
    "primaryDomain" TEXT,
    "consentStatus" "ConsentStatus" NOT NULL DEFAULT 'NOT_GRANTED',
    "servicePrincipalObjectId" UUID,
    "consentGrantedAt" TIMESTAMP(3),
    "healthState" "HealthState" NOT NULL DEFAULT 'UNKNOWN',
    "healthCause" TEXT,
    "lastHealthCheckAt" TIMESTAMP(3),
    "lastHealthChangeAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomerTenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Onboarding" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "step" "OnboardingStep" NOT NULL DEFAULT 'CONSENT',
    "subscriptionId" UUID,
    "vaultResourceId" TEXT,
    "permissionModel" "VaultPermissionModel",
    "region" TEXT,
    "rotationToLatest" BOOLEAN NOT NULL DEFAULT true,
    "submittedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Onboarding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OnboardingStepEvent" (
    "id" UUID NOT NULL,
    "onboardingId" UUID NOT NULL,
    "step" "OnboardingStep" NOT NULL,
    "enteredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorOid" TEXT,

    CONSTRAINT "OnboardingStepEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KeyReference" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "vaultResourceId" TEXT NOT NULL,
    "vaultUri" TEXT NOT NULL,
    "keyName" TEXT NOT NULL,
    "keyVersion" TEXT NOT NULL,
    "keyUrl" TEXT NOT NULL,
    "keyType" TEXT NOT NULL,
    "keySize" INTEGER,
    "permissionModel" "VaultPermissionModel" NOT NULL,
    "region" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KeyReference_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DiskEncryptionSet" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "region" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "armId" TEXT,
    "provisioningState" "DesProvisioningState" NOT NULL DEFAULT 'QUEUED',
    "healthState" "HealthState" NOT NULL DEFAULT 'UNKNOWN',
    "keyReferenceId" UUID NOT NULL,
    "rotationToLatest" BOOLEAN NOT NULL DEFAULT true,
    "lastKeyRotationAt" TIMESTAMP(3),
    "lastErrorCode" TEXT,
    "lastErrorMessage" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DiskEncryptionSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" UUID NOT NULL,
    "kind" "JobKind" NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "idempotencyKey" TEXT NOT NULL,
    "customerTenantId" UUID,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastErrorCode" TEXT,
    "lastErrorMessage" TEXT,
    "requestedBy" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobAttempt" (
    "id" UUID NOT NULL,
    "jobId" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "errorCode" TEXT,
    "errorMessage" TEXT,

    CONSTRAINT "JobAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HealthEvent" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "fromState" "HealthState" NOT NULL,
    "toState" "HealthState" NOT NULL,
    "cause" TEXT,
    "detail" TEXT,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HealthEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffUser" (
    "id" UUID NOT NULL,
    "objectId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "lastSeenRoles" "StaffRole"[],
    "lastSignInAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StaffUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "seq" BIGSERIAL NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT NOT NULL,
    "actorTenantId" TEXT,
    "actorRole" TEXT,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "customerTenantId" UUID,
    "reason" TEXT,
    "result" "AuditResult" NOT NULL,
    "requestId" TEXT,
    "details" JSONB,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "ProviderConfig_tenantId_key" ON "ProviderConfig"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerTenant_tenantId_key" ON "CustomerTenant"("tenantId");

-- CreateIndex
CREATE INDEX "CustomerTenant_healthState_idx" ON "CustomerTenant"("healthState");

-- CreateIndex
CREATE INDEX "CustomerTenant_displayName_idx" ON "CustomerTenant"("displayName");

-- CreateIndex
CREATE UNIQUE INDEX "Onboarding_customerTenantId_key" ON "Onboarding"("customerTenantId");

-- CreateIndex
CREATE INDEX "Onboarding_step_idx" ON "Onboarding"("step");

-- CreateIndex
CREATE INDEX "OnboardingStepEvent_onboardingId_enteredAt_idx" ON "OnboardingStepEvent"("onboardingId", "enteredAt");

-- CreateIndex
CREATE INDEX "OnboardingStepEvent_step_enteredAt_idx" ON "OnboardingStepEvent"("step", "enteredAt");

-- CreateIndex
CREATE INDEX "KeyReference_keyUrl_idx" ON "KeyReference"("keyUrl");

-- CreateIndex
CREATE UNIQUE INDEX "KeyReference_customerTenantId_keyUrl_key" ON "KeyReference"("customerTenantId", "keyUrl");

-- CreateIndex
CREATE UNIQUE INDEX "DiskEncryptionSet_armId_key" ON "DiskEncryptionSet"("armId");

-- CreateIndex
CREATE INDEX "DiskEncryptionSet_provisioningState_idx" ON "DiskEncryptionSet"("provisioningState");

-- CreateIndex
CREATE UNIQUE INDEX "DiskEncryptionSet_customerTenantId_region_key" ON "DiskEncryptionSet"("customerTenantId", "region");

-- CreateIndex
CREATE UNIQUE INDEX "Job_idempotencyKey_key" ON "Job"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Job_customerTenantId_createdAt_idx" ON "Job"("customerTenantId", "createdAt");

-- CreateIndex
CREATE INDEX "Job_status_kind_idx" ON "Job"("status", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "JobAttempt_jobId_attempt_key" ON "JobAttempt"("jobId", "attempt");

-- CreateIndex
CREATE INDEX "HealthEvent_customerTenantId_occurredAt_idx" ON "HealthEvent"("customerTenantId", "occurredAt");

-- CreateIndex
CREATE INDEX "HealthEvent_occurredAt_idx" ON "HealthEvent"("occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "StaffUser_objectId_key" ON "StaffUser"("objectId");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_hash_key" ON "AuditEvent"("hash");

-- CreateIndex
CREATE INDEX "AuditEvent_customerTenantId_occurredAt_idx" ON "AuditEvent"("customerTenantId", "occurredAt");

-- CreateIndex
CREATE INDEX "AuditEvent_action_occurredAt_idx" ON "AuditEvent"("action", "occurredAt");

-- AddForeignKey
ALTER TABLE "Onboarding" ADD CONSTRAINT "Onboarding_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OnboardingStepEvent" ADD CONSTRAINT "OnboardingStepEvent_onboardingId_fkey" FOREIGN KEY ("onboardingId") REFERENCES "Onboarding"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KeyReference" ADD CONSTRAINT "KeyReference_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DiskEncryptionSet" ADD CONSTRAINT "DiskEncryptionSet_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DiskEncryptionSet" ADD CONSTRAINT "DiskEncryptionSet_keyReferenceId_fkey" FOREIGN KEY ("keyReferenceId") REFERENCES "KeyReference"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobAttempt" ADD CONSTRAINT "JobAttempt_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HealthEvent" ADD CONSTRAINT "HealthEvent_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The audit log is append-only: the database itself refuses to change or remove an event.
CREATE FUNCTION audit_event_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'AuditEvent is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditEvent_append_only"
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
