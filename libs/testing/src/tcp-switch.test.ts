import { once } from "node:events";
import { connect, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpSwitch, type TcpSwitch } from "./tcp-switch.js";

/** A server that answers every line with its own name, so a test can tell which one it reached. */
async function namedServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.on("data", () => socket.write(name)));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as { port: number }).port };
}

async function ask(port: number): Promise<{ answer: string; closed: Promise<void> }> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  const closed = once(socket, "close").then(() => undefined);
  socket.write("?");
  const [data] = await once(socket, "data");
  return { answer: String(data), closed };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("startTcpSwitch", () => {
  it("forwards to its target, and after a switch drops old connections and forwards new ones to the new target", async () => {
    const first = await namedServer("first");
    const second = await namedServer("second");
    const tcp: TcpSwitch = await startTcpSwitch({ target: first.port });
    cleanups.push(
      () => tcp.close(),
      () => void first.server.close(),
      () => void second.server.close(),
    );

    const before = await ask(tcp.port);
    expect(before.answer).toBe("first");

    tcp.switchTo(second.port);
    await before.closed;
    const after = await ask(tcp.port);
    expect(after.answer).toBe("second");
    expect(tcp.target).toBe(second.port);
    expect(tcp.connectionsAccepted).toBe(2);
  });
});
