import { beforeAll, describe, expect, it, vi } from "vitest";
import { setAppEnvForTests } from "../testing/app-env";
import { lookUpServicePrincipal } from "./service";

const tokenError = vi.hoisted(() => ({ message: "" }));

// The federated token request is what fails when the tenant has no service principal for the app.
vi.mock("../azure/credentials", () => ({
  customerTenantCredential: () => ({
    getToken: async () => {
      throw new Error(tokenError.message);
    },
  }),
}));

beforeAll(() => setAppEnvForTests());

describe("consent lookup when the tenant has no service principal", () => {
  it.each([
    "AADSTS700016: Application with identifier '33333333-3333-4333-8333-333333333333' was not found in the directory 'Contoso'.",
    "AADSTS7000229: The client application 33333333-3333-4333-8333-333333333333 is missing service principal in the tenant aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.",
  ])("treats %s as no consent", async (message) => {
    tokenError.message = message;
    await expect(lookUpServicePrincipal("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa")).resolves.toBeNull();
  });

  it("reports other token failures as a problem to retry, not as missing consent", async () => {
    tokenError.message = "AADSTS700213: No matching federated identity record found for presented assertion subject.";
    await expect(lookUpServicePrincipal("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa")).rejects.toMatchObject({ code: "AZURE_ERROR" });
  });
});
