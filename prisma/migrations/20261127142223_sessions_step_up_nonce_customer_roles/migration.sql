-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "acrs" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "authTime" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "SignInNonce" (
    "nonceHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SignInNonce_pkey" PRIMARY KEY ("nonceHash")
);

-- CreateTable
CREATE TABLE "CustomerAppRoleAdoption" (
    "entraTenantId" UUID NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "firstSeenOid" UUID NOT NULL,

    CONSTRAINT "CustomerAppRoleAdoption_pkey" PRIMARY KEY ("entraTenantId")
);

-- CreateIndex
CREATE INDEX "SignInNonce_expiresAt_idx" ON "SignInNonce"("expiresAt");
