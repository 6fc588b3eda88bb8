import { afterEach, describe, expect, it, vi } from "vitest";
import { logger } from "./logger";
import { routeErrorResponse } from "./route-error";

afterEach(() => vi.restoreAllMocks());

describe("routeErrorResponse", () => {
  it("answers the safe error with the request's short reference and logs the full id", async () => {
    const info = vi.spyOn(logger, "info");
    const request = new Request("http://localhost:3000/api/audit/export?x=1", { headers: { "x-request-id": "9d8c7b6a-1111-4222-8333-444455556666" } });
    const response = routeErrorResponse(request, 403, { code: "FORBIDDEN", message: "Not for you." });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ code: "FORBIDDEN", message: "Not for you.", reference: "9d8c7b6a" });
    expect(info).toHaveBeenCalledWith({ code: "FORBIDDEN", status: 403, path: "/api/audit/export", requestId: "9d8c7b6a-1111-4222-8333-444455556666" }, "route handler refused");
  });

  it("makes its own id when the request has none: the reference is its prefix", async () => {
    const info = vi.spyOn(logger, "info");
    const response = routeErrorResponse(new Request("http://localhost:3000/api/x"), 401, { code: "UNAUTHENTICATED", message: "Sign in." });
    const logged = (info.mock.calls[0]?.[0] as { requestId: string }).requestId;
    expect((await response.json()).reference).toBe(logged.slice(0, 8));
  });
});
