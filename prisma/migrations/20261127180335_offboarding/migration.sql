-- CreateEnum
CREATE TYPE "OffboardingState" AS ENUM ('REQUESTED', 'APPROVED', 'DISKS_DETACHING', 'DES_DELETING', 'PROVIDER_DONE', 'CUSTOMER_CLEANUP', 'COMPLETED', 'CANCELLED', 'FAILED');

-- AlterEnum
ALTER TYPE "DesProvisioningState" ADD VALUE 'DELETED';

-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'OFFBOARD';

-- CreateTable
CREATE TABLE "Offboarding" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "state" "OffboardingState" NOT NULL DEFAULT 'REQUESTED',
    "diskPolicy" TEXT NOT NULL,
    "reason" TEXT,
    "requestedByOid" UUID NOT NULL,
    "requestedByName" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "impact" JSONB NOT NULL,
    "approvedByOid" UUID,
    "approvedByName" TEXT,
    "approvedAt" TIMESTAMP(3),
    "executedByOid" UUID,
    "executedByName" TEXT,
    "executedAt" TIMESTAMP(3),
    "jobId" UUID,
    "disksDone" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "stoppedVmIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "desDeletedAt" TIMESTAMP(3),
    "providerDoneAt" TIMESTAMP(3),
    "roleAssignmentRemovedAt" TIMESTAMP(3),
    "servicePrincipalRemovedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "cancelledByOid" UUID,
    "cancelledAt" TIMESTAMP(3),
    "lastErrorCode" TEXT,
    "lastErrorMessage" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Offboarding_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Offboarding_customerTenantId_requestedAt_idx" ON "Offboarding"("customerTenantId", "requestedAt");

-- CreateIndex
CREATE INDEX "Offboarding_state_idx" ON "Offboarding"("state");

-- AddForeignKey
ALTER TABLE "Offboarding" ADD CONSTRAINT "Offboarding_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- One open offboarding per tenant (COMPLETED and CANCELLED are closed), decided by the database.
CREATE UNIQUE INDEX "Offboarding_one_open_per_tenant" ON "Offboarding" ("customerTenantId") WHERE "state" NOT IN ('COMPLETED', 'CANCELLED');
