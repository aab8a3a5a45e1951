import { appendToOutbox } from "@kopru/bus";
import { PartnerKind, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  IntakeChannelKind,
  type ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import { ServiceOfferingCapacityChanged } from "@kopru/contracts/coordination/v1/events";
import { EVENTS, STREAMS } from "@kopru/events";
import { readSubject } from "@kopru/referral/testkit";
import { waitFor } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, type Publisher, startCoordination, startPublisher, statusEvents } from "./harness.js";

// Live capacity: an offering that counts its places (a caseload of 2, with a waitlist) loses a free
// place when a referral to it is accepted and gets it back when the referral ends; a community centre's
// offering counts the seats of its courses. The directory announces the counts, never who.
describe("live capacity in the directory", () => {
  let h: Harness;
  let publisher: Publisher;
  let coordinator: { organisationId: string; actorId: string; roles: string[] };
  let organisationId: string;

  beforeAll(async () => {
    h = await startCoordination();
    publisher = await startPublisher(h.nats);
    coordinator = { organisationId: `iom-${h.suffix}`, actorId: "coordinator-1", roles: ["coordinator"] };
    const { organisation } = await h.call(
      h.client.upsertOrganisation,
      {
        organisation: {
          organisationId: `cap-org-${h.suffix}`,
          name: `Capacity test ${h.suffix}`,
          partnerKind: PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE,
          locations: [{ provinceCode: "TUR098", districtCode: "" }],
          active: true,
        },
      },
      coordinator,
    );
    organisationId = organisation?.organisationId ?? "";
  });

  afterAll(async () => {
    await publisher?.stop();
    await h?.stop();
  });

  function offering(serviceType: ServiceType, overrides: Partial<ServiceOffering> = {}): ServiceOffering {
    return {
      serviceOfferingId: "",
      organisationId,
      serviceType,
      name: "Capacity test offering",
      coverage: [{ provinceCode: "TUR098", districtCode: "" }],
      languages: ["ar"],
      eligibility: { sexes: [], nationalities: [], legalStatuses: [] },
      capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
      intakeChannel: { kind: IntakeChannelKind.INTAKE_CHANNEL_KIND_KOPRU_INBOX },
      requiredDataCategories: [],
      acceptedDataCategories: [],
      active: true,
      updatedAt: undefined,
      ...overrides,
    };
  }

  const current = async (serviceOfferingId: string) =>
    (
      await h.call(h.client.listServiceOfferings, {
        organisationIds: [organisationId],
        serviceTypes: [],
        capacityStatuses: [],
        includeInactive: false,
      })
    ).serviceOfferings.find((o) => o.serviceOfferingId === serviceOfferingId);

  const reaches = (serviceOfferingId: string, free: number, status: CapacityStatus, total?: number) =>
    waitFor(
      async () => {
        const o = await current(serviceOfferingId);
        return o?.freePlaces === free &&
          o.capacityStatus === status &&
          (total === undefined || o.totalPlaces === total)
          ? o
          : undefined;
      },
      { timeoutMs: 15_000, message: `${free} free places and status ${CapacityStatus[status]}` },
    );

  it("takes a place on acceptance, offers the waitlist when full, and frees the place when the referral ends", async () => {
    const { serviceOffering } = await h.call(
      h.client.upsertServiceOffering,
      {
        serviceOffering: offering(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, {
          totalPlaces: 2,
          freePlaces: 99, // a caller's count is ignored: places are counted from events
          waitlist: true,
        }),
      },
      coordinator,
    );
    const id = serviceOffering?.serviceOfferingId ?? "";
    expect(serviceOffering).toMatchObject({ totalPlaces: 2, freePlaces: 2 });

    const referrals = [uuidv7(), uuidv7()];
    const accepted = (referralId: string, extra: { to: ReferralStatus; afterMs: number }[] = []) =>
      statusEvents(
        { referralId, referrer: `ngo-${h.suffix}`, target: organisationId, requestedAt: new Date() },
        [
          { to: ReferralStatus.REFERRAL_STATUS_RECEIVED, afterMs: 1 },
          { to: ReferralStatus.REFERRAL_STATUS_ACCEPTED, afterMs: 2 },
          ...extra,
        ],
      ).map((e) => ({ ...e, serviceOfferingId: id }));

    await publisher.publish(accepted(referrals[0] as string));
    await reaches(id, 1, CapacityStatus.CAPACITY_STATUS_AVAILABLE);
    await publisher.publish(accepted(referrals[1] as string));
    await reaches(id, 0, CapacityStatus.CAPACITY_STATUS_WAITLIST);

    const ended = accepted(referrals[0] as string, [
      { to: ReferralStatus.REFERRAL_STATUS_CANCELLED, afterMs: 3 },
    ]);
    await publisher.publish(ended.slice(-1));
    await reaches(id, 1, CapacityStatus.CAPACITY_STATUS_AVAILABLE);

    // Each change went out as counts: no referral id, no organisation but the offering's.
    const announced = await waitFor(
      async () => {
        const messages = (
          await readSubject(
            h.nats.js,
            STREAMS.directory.name,
            EVENTS.serviceOfferingCapacityChanged.subjectPattern,
          )
        ).filter((m) => ServiceOfferingCapacityChanged.decode(m.envelope.payload).serviceOfferingId === id);
        return messages.length >= 3 ? messages : undefined;
      },
      { timeoutMs: 15_000, message: "capacity events on the directory stream" },
    );
    expect(
      announced.map((m) => ServiceOfferingCapacityChanged.decode(m.envelope.payload).freePlaces),
    ).toEqual([1, 0, 1]);
    const raw = Buffer.concat(announced.map((m) => Buffer.from(m.data))).toString("latin1");
    for (const referralId of referrals) expect(raw).not.toContain(referralId);
  });

  it("counts a community centre's course seats as the places of its offering", async () => {
    const { serviceOffering } = await h.call(
      h.client.upsertServiceOffering,
      { serviceOffering: offering(ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH) },
      coordinator,
    );
    const id = serviceOffering?.serviceOfferingId ?? "";
    expect(serviceOffering?.freePlaces).toBeUndefined();
    const seats = async (activityId: string, capacity: number, seatsTaken: number) =>
      publisher.db.transaction((tx) =>
        appendToOutbox(
          tx,
          { organisationId, service: "community-centre" },
          {
            definition: EVENTS.activityCapacityChanged,
            payload: {
              activityId,
              centreId: uuidv7(),
              organisationId,
              serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
              capacity,
              seatsTaken,
              changedAt: new Date(),
            },
            aggregate: { type: "community-activity", id: activityId, sequence: seatsTaken + 1 },
          },
        ),
      );
    const [a, b] = [uuidv7(), uuidv7()];
    await seats(a, 10, 9);
    await seats(b, 5, 5);
    await reaches(id, 1, CapacityStatus.CAPACITY_STATUS_LIMITED, 15);
    await seats(a, 10, 10);
    await reaches(id, 0, CapacityStatus.CAPACITY_STATUS_FULL);
  });
});
