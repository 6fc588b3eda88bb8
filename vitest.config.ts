import path from "node:path";
import { defineConfig } from "vitest/config";
import { ensureSimCa } from "./e2e/azure-sim/ca.ts";

// The SDK clients in the tests talk HTTPS to the simulator: its CA must be trusted from process start,
// so it is made here, before the test workers are forked with this environment.
process.env.NODE_EXTRA_CA_CERTS = ensureSimCa().bundlePath;
process.env.NEXT_TELEMETRY_DISABLED = "1";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // `server-only` throws outside React Server Components; the tests run those modules directly.
      "server-only": path.resolve(import.meta.dirname, "lib/testing/server-only-stub.ts"),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts", "e2e/azure-sim/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    globalSetup: ["lib/testing/global-setup.ts"],
    setupFiles: ["lib/testing/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
