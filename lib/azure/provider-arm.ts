// The provider's own ARM resources for the one-time set-up: the resource group, the user-assigned managed
// identity, a custom role and role assignments. Endpoint, subscription and credential are passed in.
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { ResourceManagementClient } from "@azure/arm-resources";
import type { TokenCredential } from "@azure/core-auth";
import { ARM_SCOPE } from "./endpoints";

export type ProviderIdentity = { id: string; name: string; location: string; clientId: string; principalId: string; tenantId: string };
export type CustomRole = { id: string; roleName: string; description: string; actions: string[]; assignableScopes: string[] };
export type RoleAssignmentRef = { id: string; scope: string; roleDefinitionId: string; principalId: string };

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

/** The GUID at the end of a role definition id. */
export function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").pop() ?? "").toLowerCase();
}

export class ProviderArm {
  private readonly resources: ResourceManagementClient;
  private readonly msi: ManagedServiceIdentityClient;
  private readonly authorization: AuthorizationManagementClient;

  constructor(armEndpoint: string, credential: TokenCredential, readonly subscriptionId: string) {
    // A fresh options object per client: the SDK constructors mutate the one they get.
    const options = () => ({ endpoint: armEndpoint, credentialScopes: [ARM_SCOPE] });
    this.resources = new ResourceManagementClient(credential, subscriptionId, options());
    this.msi = new ManagedServiceIdentityClient(credential, subscriptionId, options());
    this.authorization = new AuthorizationManagementClient(credential, subscriptionId, options());
  }

  get subscriptionScope(): string {
    return `/subscriptions/${this.subscriptionId}`;
  }

  resourceGroupId(name: string): string {
    return `${this.subscriptionScope}/resourceGroups/${name}`;
  }

  async resourceGroup(name: string): Promise<{ name: string; location: string } | null> {
    try {
      const rg = await this.resources.resourceGroups.get(name);
      return { name: rg.name ?? name, location: rg.location };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async createResourceGroup(name: string, location: string): Promise<void> {
    await this.resources.resourceGroups.createOrUpdate(name, { location });
  }

  async identity(resourceGroup: string, name: string): Promise<ProviderIdentity | null> {
    try {
      const mi = await this.msi.userAssignedIdentities.get(resourceGroup, name);
      return { id: mi.id ?? "", name: mi.name ?? name, location: mi.location, clientId: mi.clientId ?? "", principalId: mi.principalId ?? "", tenantId: mi.tenantId ?? "" };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async createIdentity(resourceGroup: string, name: string, location: string): Promise<void> {
    await this.msi.userAssignedIdentities.createOrUpdate(resourceGroup, name, { location });
  }

  /** A custom role of the subscription by its name (role names are unique per directory). */
  async customRoleByName(roleName: string): Promise<CustomRole | null> {
    for await (const def of this.authorization.roleDefinitions.list(this.subscriptionScope, { filter: `roleName eq '${roleName.replace(/'/g, "''")}'` })) {
      if (def.roleType === "CustomRole" && def.roleName === roleName) {
        return {
          id: roleGuid(def.id ?? def.name ?? ""), roleName, description: def.description ?? "",
          actions: (def.permissions ?? []).flatMap((p) => p.actions ?? []), assignableScopes: def.assignableScopes ?? [],
        };
      }
    }
    return null;
  }

  async putCustomRole(role: CustomRole): Promise<void> {
    await this.authorization.roleDefinitions.createOrUpdate(this.subscriptionScope, role.id, {
      roleName: role.roleName, description: role.description, roleType: "CustomRole",
      permissions: [{ actions: role.actions, notActions: [], dataActions: [], notDataActions: [] }], assignableScopes: role.assignableScopes,
    });
  }

  /** Role assignments of a principal at exactly `scope` (not inherited ones, not ones below). */
  async roleAssignmentsAt(scope: string, principalId: string): Promise<RoleAssignmentRef[]> {
    const found: RoleAssignmentRef[] = [];
    for await (const ra of this.authorization.roleAssignments.listForScope(scope, { filter: `principalId eq '${principalId}'` })) {
      if ((ra.scope ?? "").toLowerCase() === scope.toLowerCase() && ra.principalId === principalId) {
        found.push({ id: ra.id ?? "", scope: ra.scope ?? scope, roleDefinitionId: roleGuid(ra.roleDefinitionId ?? ""), principalId });
      }
    }
    return found;
  }

  async createRoleAssignment(scope: string, name: string, roleGuidValue: string, principalId: string): Promise<void> {
    await this.authorization.roleAssignments.create(scope, name, {
      roleDefinitionId: `${this.subscriptionScope}/providers/Microsoft.Authorization/roleDefinitions/${roleGuidValue}`,
      principalId,
      // Set so ARM does not look the new identity up before it has replicated (PrincipalNotFound).
      principalType: "ServicePrincipal",
    });
  }
}
