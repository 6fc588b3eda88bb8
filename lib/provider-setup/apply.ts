// Runs a plan through the Graph and ARM adapters, in rounds: each round reads the tenant, plans, and runs the
// steps whose inputs exist; steps that need an id an earlier step creates run in the next round.
import { azureFailure } from "../azure/errors";
import { AppError } from "../errors";
import { readCurrentState, type Adapters } from "./current";
import type { DesiredState } from "./desired";
import { describePlan, isReady, plan, type Step } from "./plan";

/** Creating an app, identity or role, and using it at once, can race Entra/ARM replication: retry those answers. */
const REPLICATION_CODES = new Set(["PrincipalNotFound", "RoleDefinitionDoesNotExist", "Request_ResourceNotFound"]);

export type ApplyOptions = { maxRounds?: number; replicationRetryDelaysMs?: number[]; log?: (line: string) => void };

async function withReplicationRetry<T>(run: () => Promise<T>, delays: number[]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const failure = azureFailure(error);
      const delay = delays[attempt];
      const replicating = (failure.code && REPLICATION_CODES.has(failure.code)) || /does not reference a valid application object/i.test(failure.message);
      if (!replicating || delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function runStep({ graph, arm }: Adapters, step: Step, delays: number[]): Promise<void> {
  const retry = <T>(run: () => Promise<T>) => withReplicationRetry(run, delays);
  switch (step.kind) {
    case "create-resource-group": return arm.createResourceGroup(step.name, step.location);
    case "create-identity": return arm.createIdentity(step.resourceGroup, step.name, step.location);
    case "create-app": await graph.create(step.body); return;
    case "update-app": return retry(() => graph.update(step.objectId, step.patch));
    case "create-service-principal": return retry(() => graph.createServicePrincipal(step.appId ?? ""));
    case "create-fic": {
      const { subject, ...fic } = step.fic;
      return retry(() => graph.createFederatedCredential(step.appObjectId ?? "", { ...fic, subject: subject ?? "" }));
    }
    case "update-fic": return retry(() => graph.updateFederatedCredential(step.appObjectId, step.ficId, step.patch));
    case "put-custom-role": return arm.putCustomRole(step.role);
    case "create-role-assignment": return retry(() => arm.createRoleAssignment(step.scope, step.name ?? "", step.roleId, step.principalId ?? ""));
    case "blocked": throw new AppError("VALIDATION_FAILED", step.title, { fix: step.fix });
  }
}

/** Makes the tenant match `desired`; returns the steps it ran ([] = "no changes"). Blocked steps stop it with their fix. */
export async function applyDesiredState(adapters: Adapters, desired: DesiredState, options: ApplyOptions = {}): Promise<Step[]> {
  const { maxRounds = 4, replicationRetryDelaysMs = [2_000, 5_000, 10_000, 20_000], log = () => undefined } = options;
  const ran: Step[] = [];
  for (let round = 1; round <= maxRounds; round++) {
    const steps = plan(await readCurrentState(adapters, desired), desired);
    if (steps.length === 0) return ran;
    const blocked = steps.find((s) => s.kind === "blocked");
    if (blocked) await runStep(adapters, blocked, replicationRetryDelaysMs);
    const ready = steps.filter(isReady);
    for (const step of ready) {
      for (const line of describePlan([step]).slice(0, -1)) log(line);
      await runStep(adapters, step, replicationRetryDelaysMs);
      ran.push(step);
    }
  }
  const left = plan(await readCurrentState(adapters, desired), desired);
  if (left.length === 0) return ran;
  throw new AppError("AZURE_ERROR", `The set-up still differs after ${maxRounds} rounds: ${describePlan(left).slice(0, -1).join("; ")}`, {
    fix: "Run apply again in a minute (Azure may still be replicating); if it persists, compare `npm run provider -- plan` with the Azure portal.",
  });
}
