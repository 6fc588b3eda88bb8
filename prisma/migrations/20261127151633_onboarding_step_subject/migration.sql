-- AlterTable
ALTER TABLE "OnboardingStepEvent" ADD COLUMN "subject" TEXT;
