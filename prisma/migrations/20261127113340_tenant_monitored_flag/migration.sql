-- AlterTable
ALTER TABLE "CustomerTenant" ADD COLUMN     "monitored" BOOLEAN NOT NULL DEFAULT true;

