import { describe, expect, it } from "vitest";
import { organizationLabel } from "./organization";

describe("the organization's name on customer pages", () => {
  it("stays the same before and after consent fills in the directory's display name", () => {
    const beforeConsent = { tenantId: "aaaaaaaa-0000-4000-8000-00000000000a", displayName: "contoso.example", primaryDomain: "contoso.example" };
    const afterConsent = { ...beforeConsent, displayName: "Contoso Ltd" };
    expect(organizationLabel(beforeConsent)).toBe("contoso.example");
    expect(organizationLabel(afterConsent)).toBe(organizationLabel(beforeConsent));
  });
  it("falls back to the tenant id when no domain is known", () => {
    expect(organizationLabel({ tenantId: "aaaaaaaa-0000-4000-8000-00000000000a", primaryDomain: null })).toBe("aaaaaaaa-0000-4000-8000-00000000000a");
  });
});
