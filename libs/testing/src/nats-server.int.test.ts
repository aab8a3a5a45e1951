import { existsSync } from "node:fs";
import { StorageType } from "@nats-io/jetstream";
import { afterEach, describe, expect, it } from "vitest";
import { connectNats, isPortOpen, type NatsServerProcess, startNatsServer, uniqueName } from "./index.js";

describe("startNatsServer", () => {
  let server: NatsServerProcess | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("keeps a file-stored message across a SIGKILL and a restart on the same port", async () => {
    server = await startNatsServer({ jetstream: true });
    const { port, storeDir } = server;
    expect(storeDir && existsSync(storeDir)).toBeTruthy();
    const stream = uniqueName("crash");

    const before = await connectNats({ url: server.url });
    await before.jsm.streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.File });
    const pa = await before.js.publish(`${stream}.x`, "survives", { msgID: "one" });
    expect(pa.seq).toBe(1);
    await before.close();

    const firstPid = server.pid;
    await server.kill();
    expect(server.running).toBe(false);
    expect(await isPortOpen("127.0.0.1", port)).toBe(false);

    await server.restart();
    expect(server.running).toBe(true);
    expect(server.pid).not.toBe(firstPid);
    expect(server.port).toBe(port);
    expect(server.url).toBe(`nats://127.0.0.1:${port}`);

    const after = await connectNats({ url: server.url });
    try {
      expect((await after.jsm.streams.info(stream)).state.messages).toBe(1);
      const stored = await after.jsm.streams.getMessage(stream, { seq: 1 });
      expect(stored?.string()).toBe("survives");
      // The de-dup window survived too: the same id is still recognised.
      expect((await after.js.publish(`${stream}.x`, "again", { msgID: "one" })).duplicate).toBe(true);
    } finally {
      await after.close();
    }

    await server.close();
    expect(existsSync(storeDir as string)).toBe(false);
  });

  it("stop() is graceful and restart() works from stopped", async () => {
    server = await startNatsServer();
    await server.stop();
    expect(server.running).toBe(false);
    expect(server.logs().join("\n")).toContain("Server Exiting");
    await server.restart();
    const conn = await connectNats({ url: server.url });
    await conn.close();
  });
});
