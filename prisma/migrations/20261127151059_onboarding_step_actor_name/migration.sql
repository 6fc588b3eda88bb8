-- AlterTable
ALTER TABLE "OnboardingStepEvent" ADD COLUMN "actorName" TEXT;
