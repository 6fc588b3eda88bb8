import { describe, expect, it } from "vitest";
import { rotationChoiceProblems, rotationPolicyFor } from "./key-rotation-policy";

const fields = (r: Parameters<typeof rotationChoiceProblems>[0]) => rotationChoiceProblems(r).map((p) => p.field);

describe("rotation policy limits (checked before Key Vault sees them)", () => {
  it("accepts the form's defaults and the limits themselves", () => {
    expect(rotationChoiceProblems({ rotateEveryDays: 365, expiryDays: 730, notifyDaysBeforeExpiry: 30 })).toEqual([]);
    expect(rotationChoiceProblems({ rotateEveryDays: 21, expiryDays: 28, notifyDaysBeforeExpiry: 7 })).toEqual([]);
  });

  it.each([
    [{ rotateEveryDays: 6, expiryDays: 90, notifyDaysBeforeExpiry: 30 }, ["rotateEveryDays"], "at most every 7 days"],
    [{ rotateEveryDays: 30, expiryDays: 27, notifyDaysBeforeExpiry: 7 }, ["expiryDays", "rotateEveryDays"], "at least 28 days"],
    // Rotating 25 days into a 28-day life leaves 3 days: Key Vault wants 7 (the old check only asked for rotate < expiry).
    [{ rotateEveryDays: 25, expiryDays: 28, notifyDaysBeforeExpiry: 7 }, ["rotateEveryDays"], "at least 7 days before a version expires: rotate every 21 days or fewer"],
    [{ rotateEveryDays: 30, expiryDays: 90, notifyDaysBeforeExpiry: 90 }, ["notifyDaysBeforeExpiry"], "before the version expires"],
    [{ rotateEveryDays: 30, expiryDays: 90, notifyDaysBeforeExpiry: 3 }, ["notifyDaysBeforeExpiry"], "at least 7 days"],
    [{ rotateEveryDays: 30.5, expiryDays: 90, notifyDaysBeforeExpiry: 30 }, ["rotateEveryDays"], "whole number"],
  ])("refuses %j", (choice, expected, message) => {
    expect(fields(choice)).toEqual(expected);
    expect(rotationChoiceProblems(choice).map((p) => p.message).join(" ")).toContain(message);
  });

  it("sends ISO 8601 day durations", () => {
    expect(rotationPolicyFor({ rotateEveryDays: 180, expiryDays: 365, notifyDaysBeforeExpiry: 30 })).toEqual({
      attributes: { expiryTime: "P365D" },
      lifetimeActions: [{ trigger: { timeAfterCreate: "P180D" }, action: { type: "rotate" } }, { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "notify" } }],
    });
  });
});
