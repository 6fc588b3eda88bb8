// Reading every tenant's audit log is its own decision: AuditReader, Support and SupportApprover may;
// Operator (who only sees whether the log is intact) and customers may not.
import { describe, expect, it } from "vitest";
import { staffRolesFromClaim } from "../auth/roles";
import { mayReadFullAuditLog } from "./audit-access";

describe("mayReadFullAuditLog", () => {
  it.each([
    [["AuditReader"], true],
    [["Support"], true],
    [["SupportApprover"], true],
    [["Operator"], false],
    [[], false],
  ])("staff with %j → %s", (roles, allowed) => {
    expect(mayReadFullAuditLog({ kind: "STAFF", roles: staffRolesFromClaim(roles) })).toBe(allowed);
  });

  it("never lets a customer session in, whatever roles it claims", () => {
    expect(mayReadFullAuditLog({ kind: "CUSTOMER", roles: ["AuditReader", "Support"] })).toBe(false);
  });
});
