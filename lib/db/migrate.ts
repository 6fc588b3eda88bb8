import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { AppError } from "../errors";
import { childEnv } from "../env";
import { installQueueSchema } from "../jobs/queue";

const require = createRequire(import.meta.url);

/** Applies the committed migrations (prisma migrate deploy) to the database at `url`, then installs the job queue's schema. */
export async function applyMigrations(url: string): Promise<void> {
  const prismaCli = require.resolve("prisma/build/index.js");
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCli, "migrate", "deploy"], {
      env: childEnv({ DATABASE_URL: url }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.on("error", reject);
    child.on("exit", (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) {
    const text = output.join("");
    const reason = text.split("\n").map((line) => line.trim()).find((line) => /^(Error|P\d{4}|ERROR|Migration .* failed)/.test(line)) ?? `prisma migrate deploy exited with ${code}`;
    throw new AppError("MIGRATION_FAILED", `Database migration failed: ${reason}`, {
      fix: "Run `npm run db:migrate` to see the full output; a database created by another version of this app may need to be recreated.",
    });
  }
  await installQueueSchema(url);
}
