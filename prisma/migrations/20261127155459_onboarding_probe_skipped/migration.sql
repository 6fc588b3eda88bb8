-- The customer skipped the provider's probe (its vault firewall blocks it); Azure's own DES check decides.
ALTER TABLE "Onboarding" ADD COLUMN "probeSkippedAt" TIMESTAMP(3);
