-- CreateEnum
CREATE TYPE "RestoreRequestStatus" AS ENUM ('PENDING_CONFIRMATION', 'APPROVED', 'CANCELLED', 'EXPIRED');

-- AlterEnum
ALTER TYPE "RevocationStatus" ADD VALUE 'NEEDS_REAPPROVAL';

-- AlterTable
ALTER TABLE "RevocationRequest" ADD COLUMN     "approvedDiskIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "approvedVmIds" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "RestoreRequest" (
    "id" UUID NOT NULL,
    "customerTenantId" UUID NOT NULL,
    "revocationRequestId" UUID,
    "status" "RestoreRequestStatus" NOT NULL DEFAULT 'PENDING_CONFIRMATION',
    "reason" TEXT NOT NULL,
    "requestedByOid" UUID NOT NULL,
    "requestedByName" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "confirmedByKind" "ActorType",
    "confirmedByOid" UUID,
    "confirmedByName" TEXT,
    "confirmedAt" TIMESTAMP(3),
    "jobId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RestoreRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeniedAttemptCounter" (
    "actorId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "DeniedAttemptCounter_pkey" PRIMARY KEY ("actorId","action","windowStart")
);

-- CreateIndex
CREATE INDEX "RestoreRequest_customerTenantId_requestedAt_idx" ON "RestoreRequest"("customerTenantId", "requestedAt");

-- CreateIndex
CREATE INDEX "RestoreRequest_status_expiresAt_idx" ON "RestoreRequest"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "DeniedAttemptCounter_windowStart_idx" ON "DeniedAttemptCounter"("windowStart");

-- AddForeignKey
ALTER TABLE "RestoreRequest" ADD CONSTRAINT "RestoreRequest_customerTenantId_fkey" FOREIGN KEY ("customerTenantId") REFERENCES "CustomerTenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- At most one open (queued or running) rotation job per disk encryption set of a tenant: two concurrent
-- requests cannot both insert one. Prisma cannot express a partial expression index, so it lives here only.
CREATE UNIQUE INDEX "Job_one_open_rotation_per_des" ON "Job" ("customerTenantId", (("payload"->>'diskEncryptionSetId'))) WHERE "kind" = 'ROTATE_KEY' AND "status" IN ('QUEUED', 'RUNNING');
