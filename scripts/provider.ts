// npm run provider -- plan|apply|check|env — the provider's Azure "Phase 1" set-up (app registrations, managed
// identity, federated credential, resource group and least-privilege roles) as code, in the provider tenant,
// signed in as the operator (PROVIDER_SETUP_CREDENTIAL). Exit code 0 = done / all checks pass, 1 = a check
// failed or Azure refused, 2 = wrong usage or configuration.
import { z } from "zod";
import { azureFailure } from "../lib/azure/errors";
import { EnvError, providerSetupEnv } from "../lib/env";
import { AppError } from "../lib/errors";
import { operatorCredential } from "../lib/provider-setup/credential";
import { isFailing } from "../lib/provider-setup/checks";
import { describePlan } from "../lib/provider-setup/plan";
import { providerSetup } from "../lib/provider-setup/service";

const USAGE = `Usage: npm run provider -- <command>
  plan    show what apply would create or change, as a diff
  apply   create or change it (a second apply reports "no changes")
  check   readiness checks; exit 1 with one line per failing check and its fix
  env     print the environment block the portal needs (no secrets)
Configuration: PROVIDER_TENANT_ID, PROVIDER_SUBSCRIPTION_ID, PROVIDER_DES_REGIONS, APP_BASE_URL, … (see .env.example).`;

const argsSchema = z.tuple([z.enum(["plan", "apply", "check", "env"])]);

async function main(argv: string[]): Promise<number> {
  const args = argsSchema.safeParse(argv);
  if (!args.success) {
    console.error(USAGE);
    return 2;
  }
  const [command] = args.data;
  const env = providerSetupEnv();
  const setup = providerSetup(env, operatorCredential(env, (message) => console.error(message)));
  switch (command) {
    case "plan":
      for (const line of describePlan(await setup.plan())) console.log(line);
      return 0;
    case "apply": {
      const ran = await setup.apply({ log: (line) => console.log(line) });
      console.log(ran.length === 0 ? "No changes. The provider set-up matches the desired state." : `Apply complete: ${ran.length} change(s).`);
      return 0;
    }
    case "check": {
      const { checks, readiness } = await setup.check();
      const failing = checks.filter(isFailing);
      for (const c of failing) console.log(`✖ ${c.title}: ${c.detail.replace(/\.$/, "")}. Fix: ${c.fix ?? "see the detail"}`);
      for (const c of checks.filter((w) => !w.ok && w.warning)) console.log(`⚠ ${c.title}: ${c.detail}${c.fix ? ` (${c.fix})` : ""}`);
      if (!readiness) console.log("· Portal readiness checks skipped: they run as the portal's managed identity (run check on the portal's host, with its environment).");
      if (failing.length === 0) console.log(`✔ All ${checks.length} checks pass.`);
      return failing.length === 0 ? 0 : 1;
    }
    case "env":
      for (const line of await setup.env()) console.log(line);
      return 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(2);
    }
    if (error instanceof AppError) {
      console.error(`✖ ${error.toLine()}`);
    } else {
      const failure = azureFailure(error);
      console.error(`✖ Azure refused: ${failure.code ?? (failure.status ? `HTTP ${failure.status}` : "error")}: ${failure.message.split("\n")[0]}`);
    }
    process.exit(1);
  },
);
