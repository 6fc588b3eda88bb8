import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { ReadinessItem } from "@/lib/provisioning/readiness";
import { ReadinessBanner } from "./readiness-banner";

const checkedAt = new Date("2026-11-27T10:00:00Z");
const unknownCount: ReadinessItem = { id: "fic-count", title: "Fewer than 20 federated credentials on the app", ok: false, warning: true, detail: "Count unknown: listing needs Application.Read.All." };
const noFic: ReadinessItem = { id: "fic-match", title: "Federated credential trusts the managed identity", ok: false, detail: "AADSTS700213", fix: "Add one." };

const render = (items: ReadinessItem[], ok: boolean) => {
  const element = ReadinessBanner({ readiness: { ok, checkedAt, items } });
  return element ? renderToStaticMarkup(element) : "";
};

describe("provider readiness banner", () => {
  it("stays hidden when only warnings are left (e.g. a credential count the CMK app may not read)", () => {
    expect(render([unknownCount], true)).toBe("");
  });

  it("counts only blocking checks, and lists a warning beside them as a warning", () => {
    const html = render([noFic, unknownCount], false);
    expect(html).toContain("1 readiness check fails");
    expect(html).toContain("Warning — Fewer than 20 federated credentials on the app");
    expect(html).toContain("Federated credential trusts the managed identity:");
  });
});
