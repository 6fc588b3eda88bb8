// The command line of `npm run provider -- plan|apply|check|env` (scripts/provider.ts): argument parsing, plain
// output and exit codes — 0 done / all checks pass, 1 a check failed or Azure refused, 2 wrong usage or configuration.
import { z } from "zod";
import { azureFailure } from "../azure/errors";
import { EnvError, type ProviderSetupEnv } from "../env";
import { AppError } from "../errors";
import { isFailing } from "./checks";
import { operatorCredential } from "./credential";
import { describePlan } from "./plan";
import { providerSetup } from "./service";

export const USAGE = `Usage: npm run provider -- <command>
  plan    show what apply would create or change, as a diff
  apply   create or change it (a second apply reports "no changes")
  check   readiness checks; exit 1 with one line per failing check and its fix
  env     print the environment block the portal needs (no secrets)
Configuration: PROVIDER_TENANT_ID, PROVIDER_SUBSCRIPTION_ID, PROVIDER_DES_REGIONS, APP_BASE_URL, … (see .env.example).`;

const argsSchema = z.tuple([z.enum(["plan", "apply", "check", "env"])]);

export type Output = { log(line: string): void; error(line: string): void };

async function run(command: z.infer<typeof argsSchema>[0], env: ProviderSetupEnv, out: Output): Promise<number> {
  const setup = providerSetup(env, operatorCredential(env, (message) => out.error(message)));
  switch (command) {
    case "plan":
      for (const line of describePlan(await setup.plan())) out.log(line);
      return 0;
    case "apply": {
      const ran = await setup.apply({ log: (line) => out.log(line) });
      out.log(ran.length === 0 ? "No changes. The provider set-up matches the desired state." : `Apply complete: ${ran.length} change(s).`);
      return 0;
    }
    case "check": {
      const { checks, readiness } = await setup.check();
      const failing = checks.filter(isFailing);
      for (const c of failing) out.log(`✖ ${c.title}: ${c.detail.replace(/\.$/, "")}. Fix: ${c.fix ?? "see the detail"}`);
      for (const c of checks.filter((w) => !w.ok && w.warning)) out.log(`⚠ ${c.title}: ${c.detail}${c.fix ? ` (${c.fix})` : ""}`);
      if (!readiness) out.log("· Portal readiness checks skipped: they run as the portal's managed identity (run check on the portal's host, with its environment).");
      if (failing.length === 0) out.log(`✔ All ${checks.length} checks pass.`);
      return failing.length === 0 ? 0 : 1;
    }
    case "env":
      for (const line of await setup.env()) out.log(line);
      return 0;
  }
}

/** Runs one command; never throws: every failure becomes a line on `out.error` and an exit code. */
export async function runProviderCommand(argv: string[], loadEnv: () => ProviderSetupEnv, out: Output): Promise<number> {
  const args = argsSchema.safeParse(argv);
  if (!args.success) {
    out.error(USAGE);
    return 2;
  }
  try {
    return await run(args.data[0], loadEnv(), out);
  } catch (error) {
    if (error instanceof EnvError) {
      out.error(error.message);
      return 2;
    }
    if (error instanceof AppError) {
      out.error(`✖ ${error.toLine()}`);
    } else {
      const failure = azureFailure(error);
      out.error(`✖ Azure refused: ${failure.code ?? (failure.status ? `HTTP ${failure.status}` : "error")}: ${failure.message.split("\n")[0]}`);
    }
    return 1;
  }
}
