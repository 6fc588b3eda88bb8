import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// A server that shuts down like Next's standalone server (server.close(), then exit 143), with the deadline armed.
const SERVER = `
import http from "node:http";
import { armShutdownDeadline } from ${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, "shutdown-deadline.ts")).href)};
armShutdownDeadline(Number(process.env.DEADLINE_MS));
const server = http.createServer((req, res) => {
  res.writeHead(200);
  if (req.url === "/hang") res.write("started");
  else res.end("ok");
});
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
process.on("SIGTERM", () => server.close(() => process.exit(143)));
`;

async function runServer(hangingRequest: boolean): Promise<{ code: number | null; stderr: string; ms: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", SERVER], { env: { ...process.env, DEADLINE_MS: "1500" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve) => child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  if (hangingRequest) {
    await new Promise<void>((resolve) => http.get(`http://127.0.0.1:${port}/hang`, (res) => res.once("data", () => resolve())).on("error", () => {}));
  }
  const signalled = Date.now();
  child.kill("SIGTERM");
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  return { code, stderr, ms: Date.now() - signalled };
}

describe("armShutdownDeadline", () => {
  it("ends a server whose request never finishes, once the deadline has passed", async () => {
    const result = await runServer(true);
    expect(result.code).toBe(143);
    expect(result.stderr).toContain("requests still in flight after 2 s; exiting");
    expect(result.ms).toBeGreaterThanOrEqual(1400);
  });

  it("does not hold a server that drained in time", async () => {
    const result = await runServer(false);
    expect(result.code).toBe(143);
    expect(result.stderr).not.toContain("still in flight");
  });
});
