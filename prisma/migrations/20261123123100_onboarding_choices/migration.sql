-- AlterTable
ALTER TABLE "Onboarding" ADD COLUMN     "accessGrantedAt" TIMESTAMP(3),
ADD COLUMN     "keyName" TEXT,
ADD COLUMN     "keyUrl" TEXT,
ADD COLUMN     "lastVerifyProblem" TEXT,
ADD COLUMN     "verifiedAt" TIMESTAMP(3),
ADD COLUMN     "verifyAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "verifyStartedAt" TIMESTAMP(3);

