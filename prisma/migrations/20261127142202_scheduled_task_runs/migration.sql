-- CreateTable
CREATE TABLE "ScheduledTaskRun" (
    "task" TEXT NOT NULL,
    "periodStart" TIMESTAMP(3) NOT NULL,
    "workerId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "result" JSONB,

    CONSTRAINT "ScheduledTaskRun_pkey" PRIMARY KEY ("task","periodStart")
);

-- CreateIndex
CREATE INDEX "ScheduledTaskRun_task_finishedAt_idx" ON "ScheduledTaskRun"("task", "finishedAt");
