import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP forwarder whose destination can be switched: what a production network's stable
 * database address is (CloudNativePG's `-rw` Service, a PgBouncer, a virtual IP) when a standby is
 * promoted. Switching drops every connection through the old destination, as a failover does; a
 * client reconnecting to the same address reaches the new one.
 */
export interface TcpSwitch {
  readonly port: number;
  /** The port connections are forwarded to now. */
  readonly target: number;
  /** Forward new connections to `port`, and close every connection forwarded so far. */
  switchTo(port: number): void;
  /** Connections forwarded since the start (a test can tell the service reconnected). */
  readonly connectionsAccepted: number;
  close(): Promise<void>;
}

export async function startTcpSwitch(options: { target: number; host?: string }): Promise<TcpSwitch> {
  const host = options.host ?? "127.0.0.1";
  let target = options.target;
  let accepted = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = createConnection({ host, port: target });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the TCP switch has no port");
  return {
    port: address.port,
    get target() {
      return target;
    },
    get connectionsAccepted() {
      return accepted;
    },
    switchTo(port: number) {
      target = port;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    async close() {
      for (const socket of open) socket.destroy();
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
