-- CreateEnum
CREATE TYPE "RevocationStatus" AS ENUM ('PENDING_APPROVAL', 'APPROVED', 'EXECUTING', 'EXECUTED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'FAILED', 'RESTORING', 'RESTORED');

-- CreateEnum
CREATE TYPE "NotificationDelivery" AS ENUM ('NOT_CONFIGURED', 'SENT', 'FAILED');

-- CreateTable
CREATE TABLE "RevocationRequest" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "status" "RevocationStatus" NOT NULL DEFAULT 'PENDING_APPROVAL',
    "reason" TEXT NOT NULL,
    "requestedByOid" UUID NOT NULL,
    "requestedByName" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "decidedByOid" UUID,
    "decidedByName" TEXT,
    "decidedAt" TIMESTAMP(3),
    "decisionNote" TEXT,
    "impact" JSONB NOT NULL,
    "stoppedVmIds" TEXT[],
    "executeJobId" UUID,
    "executedAt" TIMESTAMP(3),
    "restoreJobId" UUID,
    "restoredAt" TIMESTAMP(3),
    "lastErrorCode" TEXT,
    "lastErrorMessage" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RevocationRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerNotification" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "revocationRequestId" UUID,
    "webhookDelivery" "NotificationDelivery" NOT NULL DEFAULT 'NOT_CONFIGURED',
    "webhookError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomerNotification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RevocationRequest_customerTenantId_requestedAt_idx" ON "RevocationRequest"("customerTenantId", "requestedAt");

-- CreateIndex
CREATE INDEX "RevocationRequest_status_expiresAt_idx" ON "RevocationRequest"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "CustomerNotification_customerTenantId_createdAt_idx" ON "CustomerNotification"("customerTenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "RevocationRequest" ADD CONSTRAINT "RevocationRequest_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerNotification" ADD CONSTRAINT "CustomerNotification_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

