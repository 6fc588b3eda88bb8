// Azure's correlation and request ids reach the log line of a failure: read from a real RestError built the way the
// SDKs build it (core-client: the pipeline's real response to a real HTTP call), and through an AppError wrapping it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createDefaultHttpClient, createPipelineFromOptions, createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { azureRequestIds } from "./azure-errors";

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(403, {
      "content-type": "application/json",
      "x-ms-correlation-request-id": "6f1c2a8e-0c4d-4f57-9a39-2d0e5b7c9f10",
      "x-ms-request-id": "b2d7e0f4-5a61-4c3b-8e2f-7a9d1c0b3e55",
    });
    response.end(JSON.stringify({ error: { code: "AuthorizationFailed", message: "no" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/subscriptions/s/providers/x`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failedCall(): Promise<RestError> {
  const pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 0 } });
  const request = createPipelineRequest({ url, method: "PUT", allowInsecureConnection: true });
  const response = await pipeline.sendRequest(createDefaultHttpClient(), request);
  return new RestError("The client does not have authorization", { code: "AuthorizationFailed", statusCode: response.status, request, response });
}

describe("azureRequestIds", () => {
  it("reads Azure's correlation and request ids, and the client request id the SDK sent, from a RestError", async () => {
    const error = await failedCall();
    // The response is not enumerable on a RestError: a plain `err` serializer would lose these ids.
    expect(Object.keys(error)).not.toContain("response");
    expect(azureRequestIds(error)).toEqual({
      azureCorrelationRequestId: "6f1c2a8e-0c4d-4f57-9a39-2d0e5b7c9f10",
      azureRequestId: "b2d7e0f4-5a61-4c3b-8e2f-7a9d1c0b3e55",
      azureClientRequestId: error.request?.requestId,
    });
    expect(error.request?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("finds them under an AppError that wraps the Azure error, and returns nothing for other errors", async () => {
    const wrapped = new AppError("AZURE_ERROR", "Azure refused.", { cause: await failedCall() });
    expect(azureRequestIds(wrapped).azureCorrelationRequestId).toBe("6f1c2a8e-0c4d-4f57-9a39-2d0e5b7c9f10");
    expect(azureRequestIds(new Error("boom"))).toEqual({});
    expect(azureRequestIds(undefined)).toEqual({});
  });
});
