-- CreateEnum
CREATE TYPE "PortalGrantKind" AS ENUM ('ROLE_ASSIGNMENT', 'ACCESS_POLICY');

-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'VERIFY_KEY';

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "customerTenantId" UUID;

-- CreateTable
CREATE TABLE "PortalGrant" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "kind" "PortalGrantKind" NOT NULL,
    "purpose" TEXT NOT NULL,
    "subscriptionId" UUID NOT NULL,
    "vaultResourceId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "keyName" TEXT,
    "principalId" UUID NOT NULL,
    "principalType" TEXT NOT NULL,
    "roleDefinitionId" TEXT,
    "assignmentId" TEXT,
    "permissions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdByOid" TEXT NOT NULL,
    "createdByName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removedAt" TIMESTAMP(3),
    "removedByOid" TEXT,

    CONSTRAINT "PortalGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NotificationContact" (
    "customerTenantId" UUID NOT NULL,
    "email" TEXT,
    "webhookUrl" TEXT,
    "webhookSecretSealed" BYTEA,
    "updatedByOid" TEXT NOT NULL,
    "updatedByName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NotificationContact_pkey" PRIMARY KEY ("customerTenantId")
);

-- CreateTable
CREATE TABLE "MailOutbox" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID,
    "sourceId" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "MailOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PortalGrant_customerTenantId_removedAt_idx" ON "PortalGrant"("customerTenantId", "removedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PortalGrant_customerTenantId_purpose_scope_principalId_key" ON "PortalGrant"("customerTenantId", "purpose", "scope", "principalId");

-- CreateIndex
CREATE UNIQUE INDEX "MailOutbox_sourceId_key" ON "MailOutbox"("sourceId");

-- CreateIndex
CREATE INDEX "MailOutbox_sentAt_createdAt_idx" ON "MailOutbox"("sentAt", "createdAt");

-- AddForeignKey
ALTER TABLE "PortalGrant" ADD CONSTRAINT "PortalGrant_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NotificationContact" ADD CONSTRAINT "NotificationContact_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

