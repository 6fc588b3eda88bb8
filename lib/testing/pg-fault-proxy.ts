// A TCP proxy in front of the test PostgreSQL that cuts a connection when a chosen statement goes through it,
// so a test meets a real dropped connection (a failover, a restarted server, a network blip) at a precise
// point. The cut happens before PostgreSQL sees the statement's Sync, so the statement never commits.
import net from "node:net";

export type PgFaultProxy = {
  /** The database URL to connect through the proxy. */
  url: string;
  /** Cuts the connection carrying the next statement whose wire text (SQL and parameters) matches. */
  dropNextMatching(match: (wireText: string) => boolean): void;
  /** How many connections were cut so far. */
  readonly dropped: number;
  close(): Promise<void>;
};

/** The extended-protocol Sync message that ends every statement pg sends. */
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

export async function startPgFaultProxy(databaseUrl: string): Promise<PgFaultProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let armed: ((wireText: string) => boolean) | undefined;
  let dropped = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    // Parse, Bind and Execute of one statement may arrive in separate chunks: match on what was sent since the last Sync.
    let window = "";
    client.on("data", (chunk: Buffer) => {
      window += chunk.toString("latin1");
      if (armed?.(window)) {
        armed = undefined;
        dropped += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
      if (chunk.length >= SYNC.length && chunk.subarray(-SYNC.length).equals(SYNC)) window = "";
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
      a.on("error", () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    dropNextMatching(match) {
      armed = match;
    },
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
