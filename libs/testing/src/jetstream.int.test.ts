import { AckPolicy, JetStreamApiError, StorageType } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, deleteStreams, type NatsTestConnection, natsServer, uniqueName } from "./index.js";
import { waitFor } from "./wait.js";

describe("JetStream through connectNats", () => {
  let conn: NatsTestConnection;
  const streams: string[] = [];

  beforeAll(async () => {
    conn = await connectNats();
  });

  afterAll(async () => {
    await deleteStreams(conn.jsm, streams);
    await conn.close();
  });

  it("resolves the server once per process", async () => {
    const first = natsServer();
    expect(natsServer()).toBe(first);
    expect((await first).url).toBe(conn.url);
  });

  it("de-duplicates by Nats-Msg-Id and delivers in order to a durable pull consumer", async () => {
    const stream = uniqueName("js");
    const subject = `${stream}.events`;
    streams.push(stream);
    await conn.jsm.streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.File });

    for (let i = 0; i < 10; i++) {
      const pa = await conn.js.publish(subject, `payload ${i}`, { msgID: `msg-${i}` });
      expect(pa).toMatchObject({ stream, seq: i + 1, duplicate: false });
    }
    // The same id again, also through the raw header, which is what an outbox relay will send.
    const h = headers();
    h.set("Nats-Msg-Id", "msg-3");
    const dup = await conn.js.publish(subject, "payload 3 again", { headers: h });
    expect(dup.duplicate).toBe(true);
    expect(dup.seq).toBe(4);
    expect((await conn.jsm.streams.info(stream)).state.messages).toBe(10);

    await conn.jsm.consumers.add(stream, { durable_name: "reader", ack_policy: AckPolicy.Explicit });
    const consumer = await conn.js.consumers.get(stream, "reader");
    const received: string[] = [];
    const batch = await consumer.fetch({ max_messages: 10, expires: 5_000 });
    for await (const msg of batch) {
      received.push(msg.string());
      expect(msg.headers?.get("Nats-Msg-Id")).toBe(`msg-${received.length - 1}`);
      // ackAck waits for the server's confirmation, so the pending count below is settled.
      await msg.ackAck();
    }
    expect(received).toEqual(Array.from({ length: 10 }, (_, i) => `payload ${i}`));
    const info = await waitFor(
      async () => {
        const ci = await conn.jsm.consumers.info(stream, "reader");
        return ci.num_ack_pending === 0 && ci.num_pending === 0 ? ci : undefined;
      },
      { timeoutMs: 5_000, message: "the consumer to have nothing pending" },
    );
    expect(info.delivered.stream_seq).toBe(10);

    await deleteStreams(conn.jsm, [stream]);
    await expect(conn.jsm.streams.info(stream)).rejects.toBeInstanceOf(JetStreamApiError);
    // Deleting again is a no-op, so teardown can delete unconditionally.
    await deleteStreams(conn.jsm, [stream]);
  });
});
