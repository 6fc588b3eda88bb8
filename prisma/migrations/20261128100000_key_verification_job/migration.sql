-- AlterTable
ALTER TABLE "Onboarding" ADD COLUMN     "verifyJobId" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "Onboarding_verifyJobId_key" ON "Onboarding"("verifyJobId");

-- AddForeignKey
ALTER TABLE "Onboarding" ADD CONSTRAINT "Onboarding_verifyJobId_fkey" FOREIGN KEY ("verifyJobId") REFERENCES "Job"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- One open key verification per tenant (and so per key): two requests at the same moment cannot both start one.
CREATE UNIQUE INDEX "Job_one_open_verification_per_tenant" ON "Job" ("customerTenantId") WHERE "kind" = 'VERIFY_KEY' AND "status" IN ('QUEUED', 'RUNNING');
