// A page's failed Azure read shows the request's short reference, and the log line holds the full id with Azure's ids.
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { AzureProblem } from "./azure-problem";

const REQUEST_ID = "5e1f0c2d-8a9b-4c3d-9e8f-1a2b3c4d5e6f";
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "x-request-id": REQUEST_ID }) }));
afterEach(() => vi.restoreAllMocks());

describe("AzureProblem", () => {
  it("shows the safe message and 'Reference:' with the request id's prefix, and logs the full id and Azure's ids", async () => {
    const warn = vi.spyOn(logger, "warn");
    const azure = Object.assign(new Error("raw Azure text"), { statusCode: 403, response: { headers: { get: (name: string) => (name === "x-ms-correlation-request-id" ? "corr-1" : undefined) } } });
    const error = new AppError("AZURE_ERROR", "Azure refused to list your key vaults.", { azureCode: "AuthorizationFailed", cause: azure });
    const html = renderToStaticMarkup(await AzureProblem({ error }));
    expect(html).toContain("Azure refused to list your key vaults.");
    expect(html).toContain('Reference: <code class="font-mono">5e1f0c2d</code>');
    expect(html).not.toContain("raw Azure text");
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ requestId: REQUEST_ID, azureCorrelationRequestId: "corr-1" }), "a page's Azure read failed");
  });
});
