-- CreateTable
CREATE TABLE "ArmWriteBudget" (
    "subscriptionId" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "refilledAt" TIMESTAMPTZ(6) NOT NULL,
    "pausedUntil" TIMESTAMPTZ(6),

    CONSTRAINT "ArmWriteBudget_pkey" PRIMARY KEY ("subscriptionId","region")
);
