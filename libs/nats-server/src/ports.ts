import { createConnection, createServer } from "node:net";

/**
 * A TCP port that was free a moment ago on 127.0.0.1. The kernel picks it (port 0), so parallel
 * starters do not collide on a guessed range; the tiny race until the caller binds is accepted.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("freePort: the kernel returned no port"));
      });
    });
  });
}

/** Whether something accepts a TCP connection; cheaper and quieter than a protocol client. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
