// A loopback front for the local PostgreSQL that demands a cleartext password, as a server with Microsoft Entra
// authentication does, and hands accepted connections on to the real server (trust auth, which never asks for
// one). Tests see exactly what a client sends as its password without changing the server's pg_hba.conf.
import net from "node:net";

export type PasswordFront = {
  port: number;
  /** Every password presented, in order. */
  passwords: string[];
  stop(): Promise<void>;
};

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

/** AuthenticationCleartextPassword. */
const ASK_PASSWORD = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);

function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C${code}\0M${message}\0\0`, "utf8");
  const head = Buffer.alloc(5);
  head.write("E", 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

export async function startPasswordFront(upstream: { host: string; port: number }, accept: (password: string) => boolean): Promise<PasswordFront> {
  const passwords: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    let buffered = Buffer.alloc(0);
    let startup: Buffer | undefined;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!startup) {
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const message = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        const code = message.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSS_REQUEST) {
          client.write("N");
          return onData(Buffer.alloc(0));
        }
        startup = message;
        client.write(ASK_PASSWORD);
      }
      if (buffered.length < 5) return;
      const length = buffered.readInt32BE(1);
      if (buffered.length < length + 1) return;
      client.off("data", onData);
      const password = buffered.subarray(5, length).toString("utf8").replace(/\0$/, "");
      const rest = buffered.subarray(length + 1);
      passwords.push(password);
      if (!accept(password)) {
        client.end(fatal("28P01", "password authentication failed"));
        return;
      }
      const backend = net.connect(upstream, () => {
        backend.write(startup as Buffer);
        if (rest.length) backend.write(rest);
        client.pipe(backend).pipe(client);
      });
      sockets.add(backend);
      backend.on("close", () => {
        sockets.delete(backend);
        client.destroy();
      });
      backend.on("error", () => client.destroy());
      client.on("close", () => backend.destroy());
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    passwords,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
