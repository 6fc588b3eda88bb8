import type { NextConfig } from "next";
import { toolingEnv } from "./lib/env";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  distDir: toolingEnv().NEXT_DIST_DIR,
  // `npm run typecheck` checks the whole project as its own step; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  // Server-only packages that must stay as Node modules (native pg, worker threads, WASM).
  serverExternalPackages: ["pg", "pg-boss", "pino", "@prisma/client", "@prisma/adapter-pg"],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
