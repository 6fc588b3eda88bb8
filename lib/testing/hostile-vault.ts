// A hostile "vault" for SSRF tests: an HTTPS listener on 127.0.0.1 (certificate of the simulator's CA, so a
// client that connects would trust it) that answers every request with a 401 bearer challenge naming another
// resource (ARM by default), hoping to be sent a token for it. It records connections, requests and the
// Authorization headers it was sent.
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { ensureSimCa } from "../../e2e/azure-sim/ca";

export type HostileVault = {
  port: number;
  /** TCP connections accepted (a refused URL must leave this at 0). */
  connections: () => number;
  requests: () => { path: string; userAgent: string | undefined; authorization: string | undefined }[];
  stop: () => Promise<void>;
};

export async function startHostileVault(options: { challengeResource?: string | null; tenantId?: string } = {}): Promise<HostileVault> {
  const ca = ensureSimCa();
  const resource = options.challengeResource === undefined ? "https://management.azure.com" : options.challengeResource;
  let connections = 0;
  const requests: ReturnType<HostileVault["requests"]> = [];
  // A large header limit, so that a growing User-Agent is measured here instead of refused by Node's parser.
  const server = createServer({ cert: readFileSync(ca.certPath), key: readFileSync(ca.keyPath), maxHeaderSize: 1024 * 1024 }, (req, res) => {
    requests.push({ path: req.url ?? "", userAgent: req.headers["user-agent"], authorization: req.headers.authorization });
    req.resume();
    const challenge = resource ? { "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/${options.tenantId ?? "common"}", resource="${resource}"` } : {};
    res.writeHead(401, { "content-type": "application/json", ...challenge });
    res.end(JSON.stringify({ error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." } }));
  });
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    requests: () => [...requests],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
