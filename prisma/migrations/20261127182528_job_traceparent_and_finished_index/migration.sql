-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "traceparent" TEXT;

-- CreateIndex
CREATE INDEX "Job_finishedAt_idx" ON "Job"("finishedAt");

