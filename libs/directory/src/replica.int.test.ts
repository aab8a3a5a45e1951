import { randomBytes } from "node:crypto";
import { appendToOutbox, busMigrations, OutboxRelay, provisionStreams } from "@kopru/bus";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { CapacityStatus, ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import { EVENTS, NETWORK_LAYOUT, STREAMS } from "@kopru/events";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import {
  connectNats,
  createTestDatabase,
  type NatsTestConnection,
  type TestDatabase,
  waitFor,
} from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectoryReplica, directoryMigrations, directoryReplicaConsumer } from "./replica.js";

// A service's replica follows an offering's free places as coordination announces them: the full
// state (ServiceOfferingUpserted), then a capacity-only change carrying the counts.
describe("the directory replica", () => {
  const suffix = randomBytes(4).toString("hex");
  const service = `replica-t-${suffix}`;
  let nats: NatsTestConnection;
  let database: TestDatabase;
  let db: Database;
  let relay: OutboxRelay;
  let consumer: ReturnType<typeof directoryReplicaConsumer>;

  beforeAll(async () => {
    nats = await connectNats();
    await provisionStreams(nats.jsm, NETWORK_LAYOUT);
    database = await createTestDatabase({ prefix: "replica" });
    db = await openDatabase({ service, url: database.url, poolSize: 4 });
    await migrate(db, [busMigrations, directoryMigrations]);
    relay = new OutboxRelay({ db, js: nats.js, pollIntervalMs: 50 });
    relay.start();
    consumer = directoryReplicaConsumer(service, {
      db,
      js: nats.js,
      jsm: nats.jsm,
      logger: undefined as never,
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await relay?.stop();
    await nats?.jsm.consumers.delete(STREAMS.directory.name, `${service}-directory`).catch(() => {});
    await db?.close();
    await database?.drop();
    await nats?.close();
  });

  it("keeps the free places of an offering from the capacity events", async () => {
    const id = `offering-${suffix}`;
    const offering = ServiceOffering.fromPartial({
      serviceOfferingId: id,
      organisationId: `org-${suffix}`,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      coverage: [{ provinceCode: "TUR098", districtCode: "" }],
      capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
      totalPlaces: 4,
      freePlaces: 4,
      waitlist: true,
      active: true,
      updatedAt: new Date(Date.now() - 1_000),
    });
    const producer = { organisationId: offering.organisationId, service: "coordination" };
    await db.transaction(async (tx) => {
      await appendToOutbox(tx, producer, {
        definition: EVENTS.serviceOfferingUpserted,
        payload: { serviceOffering: offering },
        aggregate: { type: "service-offering", id, sequence: 1 },
      });
      await appendToOutbox(tx, producer, {
        definition: EVENTS.serviceOfferingCapacityChanged,
        payload: {
          serviceOfferingId: id,
          organisationId: offering.organisationId,
          serviceType: offering.serviceType,
          fromStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
          toStatus: CapacityStatus.CAPACITY_STATUS_WAITLIST,
          changedAt: new Date(),
          totalPlaces: 4,
          freePlaces: 0,
        },
        aggregate: { type: "service-offering", id, sequence: 2 },
      });
    });
    relay.wake();
    const replica = new DirectoryReplica(db);
    const held = await waitFor(
      async () => {
        const [found] = await replica.offerings({ organisationId: offering.organisationId });
        return found?.freePlaces === 0 ? found : undefined;
      },
      { timeoutMs: 15_000, message: "the replica never took the free places" },
    );
    expect(held).toMatchObject({
      totalPlaces: 4,
      freePlaces: 0,
      waitlist: true,
      capacityStatus: CapacityStatus.CAPACITY_STATUS_WAITLIST,
    });
  });
});
