-- CreateEnum
CREATE TYPE "SessionKind" AS ENUM ('CUSTOMER', 'STAFF');

-- CreateTable
CREATE TABLE "Session" (
    "idHash" TEXT NOT NULL,
    "kind" "SessionKind" NOT NULL,
    "tenantId" UUID NOT NULL,
    "userOid" UUID NOT NULL,
    "userName" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "roles" TEXT[],
    "tokenVault" BYTEA,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "absoluteExpiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("idHash")
);

-- CreateTable
CREATE TABLE "ConsentRequest" (
    "stateHash" TEXT NOT NULL,
    "sessionIdHash" TEXT NOT NULL,
    "tenantId" UUID NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsentRequest_pkey" PRIMARY KEY ("stateHash")
);

-- CreateIndex
CREATE INDEX "Session_absoluteExpiresAt_idx" ON "Session"("absoluteExpiresAt");

-- AddForeignKey
ALTER TABLE "ConsentRequest" ADD CONSTRAINT "ConsentRequest_sessionIdHash_fkey" FOREIGN KEY ("sessionIdHash") REFERENCES "Session"("idHash") ON DELETE CASCADE ON UPDATE CASCADE;

