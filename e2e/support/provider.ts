import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { PERSONAS, SIM } from "../azure-sim/seed";
import { signOut } from "./auth";
import { SIM_URL } from "./sim";
import { chooseContosoVaultAndKey, consentAsAdmin } from "./wizard";

// What journeys do on the provider's side of Azure (outside the portal), and the one onboarding they start from.

const ARM_SCOPE = "https://management.azure.com/.default";
const COMPUTE = `/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}/providers/Microsoft.Compute`;

export type SimState = {
  diskEncryptionSets: { id: string; keyUrl: string }[];
  virtualMachines: { name: string; powerState: string }[];
  disks: { name: string; diskEncryptionSetId?: string }[];
  roleAssignments: { scope: string; principalId: string }[];
};

/** The simulator's current resources (its /__sim/state control endpoint). */
export async function simState(api: APIRequestContext): Promise<SimState> {
  return (await (await api.get(`${SIM_URL}/__sim/state`)).json()) as SimState;
}

/** The provider's own infrastructure team: the portal app's service principal is Contributor on the provider subscription. */
async function providerArmToken(api: APIRequestContext): Promise<string> {
  const response = await api.post(`${SIM_URL}/${SIM.providerTenantId}/oauth2/v2.0/token`, { form: { grant_type: "client_credentials", client_id: SIM.portalClientId, client_secret: SIM.portalClientSecret, scope: ARM_SCOPE } });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** One ARM call on the provider's compute resources, followed to the end of its long-running operation. */
async function armLro(api: APIRequestContext, token: string, method: "POST" | "PATCH", path: string, data?: unknown) {
  const response = await api.fetch(`${SIM_URL}/arm${COMPUTE}${path}`, { method, headers: { authorization: `Bearer ${token}` }, data });
  expect(response.status(), await response.text()).toBeLessThan(300);
  const poll = response.headers()["azure-asyncoperation"];
  for (let i = 0; poll && i < 100; i += 1) {
    const status = ((await (await api.get(poll, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string }).status;
    if (status !== "InProgress") break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The provider encrypts disks with the customer's DES, as its platform would: vm-app-1 is deallocated, the disks are
 * switched to the customer-managed key, and the VM is started again.
 */
export async function encryptDisksWithDes(api: APIRequestContext, keyName: string, disks: readonly string[]): Promise<void> {
  const des = (await simState(api)).diskEncryptionSets.find((d) => d.keyUrl.includes(`/keys/${keyName}/`));
  expect(des, `a DES for key ${keyName}`).toBeDefined();
  const token = await providerArmToken(api);
  await armLro(api, token, "POST", "/virtualMachines/vm-app-1/deallocate?api-version=2024-07-01");
  for (const disk of disks) {
    await armLro(api, token, "PATCH", `/disks/${disk}?api-version=2024-03-02`, { properties: { encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: des!.id } } });
  }
  await armLro(api, token, "POST", "/virtualMachines/vm-app-1/start?api-version=2024-07-01");
  expect((await simState(api)).virtualMachines.find((v) => v.name === "vm-app-1")?.powerState).toBe("running");
}

/**
 * Contoso's admin goes through the whole wizard with the seeded vault and key and submits; returns when the DES is
 * Succeeded and the admin has signed out. `followNewVersions: false` leaves rotation in support's hands.
 */
export async function onboardContoso(page: Page, { followNewVersions = true }: { followNewVersions?: boolean } = {}): Promise<void> {
  await consentAsAdmin(page, PERSONAS.contosoAdmin.upn);
  await chooseContosoVaultAndKey(page);
  await page.getByRole("button", { name: "Grant access" }).click();
  await expect(page.getByText("Key Vault wrapped and unwrapped a test value with it for the app")).toBeVisible({ timeout: 40_000 });
  await page.getByRole("link", { name: "Continue to review" }).click();
  if (!followNewVersions) await page.getByRole("checkbox", { name: /Follow new key versions automatically/ }).uncheck();
  await page.getByRole("button", { name: "Submit and create my disk encryption set" }).click();
  await expect(page.getByTestId("des-state")).toHaveText("Succeeded", { timeout: 60_000 });
  await signOut(page);
}
