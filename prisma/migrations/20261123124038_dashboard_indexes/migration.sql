-- CreateIndex
CREATE INDEX "CustomerTenant_lastHealthCheckAt_idx" ON "CustomerTenant"("lastHealthCheckAt");

-- CreateIndex
CREATE INDEX "CustomerTenant_lastHealthChangeAt_idx" ON "CustomerTenant"("lastHealthChangeAt");

