// npm run provider -- plan|apply|check|env — the provider's Azure "Phase 1" set-up (app registrations, managed
// identity, federated credential, resource group and least-privilege roles) as code, in the provider tenant,
// signed in as the operator (PROVIDER_SETUP_CREDENTIAL). See lib/provider-setup/cli.ts for output and exit codes.
import { providerSetupEnv } from "../lib/env";
import { runProviderCommand } from "../lib/provider-setup/cli";

runProviderCommand(process.argv.slice(2), providerSetupEnv, { log: (line) => console.log(line), error: (line) => console.error(line) }).then((code) => process.exit(code));
