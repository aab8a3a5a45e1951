import { status } from "@grpc/grpc-js";
import { HEADER } from "@kopru/bus";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { DataCategory, PartnerKind, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  IntakeChannelKind,
  MatchReason,
  type ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import { EVENTS, STREAMS } from "@kopru/events";
import { waitFor } from "@kopru/testing";
import type { StoredMsg } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeStored as decode,
  type Engine,
  failure,
  type Harness,
  invalidFields,
  startCoordination,
} from "./harness.js";

// The directory's SQL (array filters, paging, row locks) runs on PostgreSQL and on the embedded
// PGlite default alike.
describe.each<Engine>(["postgres", "pglite"])("coordination directory on %s", (engine) => {
  let h: Harness;
  let coordinator: { organisationId: string; actorId: string; roles: string[] };

  beforeAll(async () => {
    h = await startCoordination({}, engine);
    coordinator = { organisationId: `iom-${h.suffix}`, actorId: "coordinator-1", roles: ["coordinator"] };
  });

  afterAll(async () => {
    if (!h) return;
    // KOPRU_DIRECTORY is shared and kept forever (replicas replay it): leave this run's entries
    // inactive, so no replica ever routes to them. They also sit in a province that does not exist.
    try {
      const organisations = await h.call(h.client.listOrganisations, {
        partnerKinds: [],
        provinceCodes: [],
        includeInactive: false,
        page: { pageSize: 500, pageToken: "" },
      });
      for (const organisation of organisations.organisations) {
        const offerings = await h.call(h.client.listServiceOfferings, {
          organisationIds: [organisation.organisationId],
          serviceTypes: [],
          capacityStatuses: [],
          includeInactive: false,
        });
        for (const o of offerings.serviceOfferings) {
          await h.call(
            h.client.removeServiceOffering,
            { serviceOfferingId: o.serviceOfferingId },
            coordinator,
          );
        }
        await h.call(
          h.client.upsertOrganisation,
          { organisation: { ...organisation, active: false } },
          coordinator,
        );
      }
    } finally {
      await h.stop();
    }
  });

  /** Directory messages published since stream sequence `after` (the directory stream is shared). */
  async function directoryMessagesSince(after: number): Promise<StoredMsg[]> {
    const info = await h.nats.jsm.streams.info(STREAMS.directory.name);
    const found: StoredMsg[] = [];
    for (let seq = after + 1; seq <= info.state.last_seq; seq++) {
      const message = await h.nats.jsm.streams.getMessage(STREAMS.directory.name, { seq }).catch(() => null);
      if (message) found.push(message);
    }
    return found;
  }

  /** Every event coordination committed is in JetStream: what is missing there was never written. */
  async function outboxDrained(): Promise<void> {
    await waitFor(async () => (await h.service.context.relay.pendingCount()) === 0, {
      message: "coordination's outbox to be published",
    });
  }

  async function lastDirectorySeq(): Promise<number> {
    return (await h.nats.jsm.streams.info(STREAMS.directory.name)).state.last_seq;
  }

  function offering(organisationId: string, overrides: Partial<ServiceOffering> = {}): ServiceOffering {
    return {
      serviceOfferingId: "",
      organisationId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      name: "Counselling, Şahinbey MMCC",
      coverage: [{ provinceCode: "TUR098", districtCode: "" }],
      languages: ["ar", "tr"],
      eligibility: { sexes: [], nationalities: [], legalStatuses: [] },
      capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
      intakeChannel: { kind: IntakeChannelKind.INTAKE_CHANNEL_KIND_KOPRU_INBOX },
      requiredDataCategories: [DataCategory.DATA_CATEGORY_IDENTITY, DataCategory.DATA_CATEGORY_CONTACT],
      acceptedDataCategories: [
        DataCategory.DATA_CATEGORY_IDENTITY,
        DataCategory.DATA_CATEGORY_CONTACT,
        DataCategory.DATA_CATEGORY_NEEDS,
      ],
      active: true,
      updatedAt: undefined,
      ...overrides,
    };
  }

  describe("directory commands", () => {
    let organisationId: string;

    it("creates an organisation with an id derived from its name and publishes it in the same step", async () => {
      const before = await lastDirectorySeq();
      const { organisation } = await h.call(
        h.client.upsertOrganisation,
        {
          organisation: {
            organisationId: "",
            name: `Gaziantep Büyükşehir MMCC ${h.suffix}`,
            shortName: "GBB SGM",
            partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
            locations: [{ provinceCode: "TUR098", districtCode: "TUR098004", provinceName: "Test province" }],
            active: true,
          },
        },
        coordinator,
      );
      organisationId = organisation?.organisationId ?? "";
      expect(organisationId).toBe(`gaziantep-buyuksehir-mmcc-${h.suffix}`);
      expect(organisation?.updatedAt).toBeInstanceOf(Date);

      // The relay publishes the outbox row right after the commit.
      const mine = await waitForDirectory(
        before,
        (m) => m.header?.get(HEADER.aggregateId) === organisationId,
      );
      expect(mine.subject).toBe("kopru.v1.directory.organisation.upserted");
      expect(mine.header?.get(HEADER.aggregateSequence)).toBe("1");
      const event = decode(EVENTS.organisationUpserted, mine);
      expect(event.payload.organisation).toMatchObject({
        organisationId,
        shortName: "GBB SGM",
        active: true,
      });
      expect(event.aggregate).toEqual({ type: "organisation", id: organisationId, sequence: 1 });
    });

    it("publishes nothing when the same state is upserted again (seeding twice is harmless)", async () => {
      await outboxDrained();
      const before = await lastDirectorySeq();
      const again = await h.call(
        h.client.upsertOrganisation,
        {
          organisation: {
            organisationId,
            name: `Gaziantep Büyükşehir MMCC ${h.suffix}`,
            shortName: "GBB SGM",
            partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
            locations: [{ provinceCode: "TUR098", districtCode: "TUR098004", provinceName: "Test province" }],
            active: true,
          },
        },
        coordinator,
      );
      expect(again.organisation?.organisationId).toBe(organisationId);
      await outboxDrained();
      const since = await directoryMessagesSince(before);
      expect(since.filter((m) => m.header?.get(HEADER.aggregateId) === organisationId)).toEqual([]);
    });

    it("versions an offering's events: upsert 1, capacity 2 + 3, removal 4 + 5", async () => {
      const before = await lastDirectorySeq();
      const created = await h.call(
        h.client.upsertServiceOffering,
        { serviceOffering: offering(organisationId) },
        coordinator,
      );
      const id = created.serviceOffering?.serviceOfferingId ?? "";
      expect(id).toMatch(/^[0-9a-f-]{36}$/);

      const limited = await h.call(
        h.client.setCapacityStatus,
        { serviceOfferingId: id, capacityStatus: CapacityStatus.CAPACITY_STATUS_LIMITED },
        // An organisation's own supervisor may change its entries.
        { organisationId, actorId: "supervisor-1", roles: ["caseworker", "supervisor"] },
      );
      expect(limited.serviceOffering?.capacityStatus).toBe(CapacityStatus.CAPACITY_STATUS_LIMITED);

      const removed = await h.call(h.client.removeServiceOffering, { serviceOfferingId: id }, coordinator);
      expect(removed.removedAt).toBeInstanceOf(Date);
      const removedAgain = await h.call(
        h.client.removeServiceOffering,
        { serviceOfferingId: id },
        coordinator,
      );
      expect(removedAgain.removedAt).toEqual(removed.removedAt);

      const events = await waitForDirectoryCount(before, id, 5);
      expect(events.map((m) => [m.subject, m.header?.get(HEADER.aggregateSequence)])).toEqual([
        ["kopru.v1.directory.offering.upserted", "1"],
        ["kopru.v1.directory.offering.upserted", "2"],
        ["kopru.v1.directory.offering.capacity", "3"],
        ["kopru.v1.directory.offering.upserted", "4"],
        ["kopru.v1.directory.offering.removed", "5"],
      ]);
      const capacity = decode(EVENTS.serviceOfferingCapacityChanged, events[2] as StoredMsg).payload;
      expect(capacity).toMatchObject({
        serviceOfferingId: id,
        organisationId,
        fromStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
        toStatus: CapacityStatus.CAPACITY_STATUS_LIMITED,
      });
      expect(
        decode(EVENTS.serviceOfferingUpserted, events[3] as StoredMsg).payload.serviceOffering?.active,
      ).toBe(false);

      // Removed: out of the default listing, still there with include_inactive.
      const listed = await h.call(h.client.listServiceOfferings, {
        organisationIds: [organisationId],
        serviceTypes: [],
        capacityStatuses: [],
        includeInactive: false,
      });
      expect(listed.serviceOfferings.map((o) => o.serviceOfferingId)).not.toContain(id);
      const all = await h.call(h.client.listServiceOfferings, {
        organisationIds: [organisationId],
        serviceTypes: [],
        capacityStatuses: [],
        includeInactive: true,
      });
      expect(all.serviceOfferings.find((o) => o.serviceOfferingId === id)?.active).toBe(false);

      // A removed offering takes no capacity change.
      const err = await failure(
        h.call(
          h.client.setCapacityStatus,
          { serviceOfferingId: id, capacityStatus: CapacityStatus.CAPACITY_STATUS_FULL },
          coordinator,
        ),
      );
      expect(err.code).toBe(status.FAILED_PRECONDITION);
    });

    it("searches offerings with the routing ranking, best first", async () => {
      const upsert = (o: ServiceOffering) =>
        h.call(h.client.upsertServiceOffering, { serviceOffering: o }, coordinator);
      const arabic = await upsert(offering(organisationId, { serviceOfferingId: `ar-${h.suffix}` }));
      await upsert(
        offering(organisationId, {
          serviceOfferingId: `tr-${h.suffix}`,
          languages: ["tr"],
          coverage: [{ provinceCode: "TUR098", districtCode: "TUR098004" }],
          capacityStatus: CapacityStatus.CAPACITY_STATUS_LIMITED,
        }),
      );
      await upsert(
        offering(organisationId, {
          serviceOfferingId: `full-${h.suffix}`,
          capacityStatus: CapacityStatus.CAPACITY_STATUS_FULL,
        }),
      );
      await upsert(
        offering(organisationId, {
          serviceOfferingId: `women-${h.suffix}`,
          eligibility: { sexes: [Sex.SEX_FEMALE], nationalities: [], legalStatuses: [] },
        }),
      );
      expect(arabic.serviceOffering?.serviceOfferingId).toBe(`ar-${h.suffix}`);

      const search = (extra: object = {}) =>
        h.call(h.client.searchServices, {
          serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
          provinceCode: "TUR098",
          districtCode: "TUR098004",
          language: "ar",
          sex: Sex.SEX_MALE,
          nationality: "SY",
          legalStatus: 0,
          includeUnavailable: false,
          limit: 0,
          ...extra,
        });
      const { matches } = await search();
      expect(matches.map((m) => m.serviceOffering?.serviceOfferingId)).toEqual([
        `ar-${h.suffix}`,
        `tr-${h.suffix}`,
      ]);
      expect(matches[0]).toMatchObject({ rank: 1, organisation: { organisationId } });
      expect(matches[0]?.reasons).toContain(MatchReason.MATCH_REASON_LANGUAGE_MATCH);
      expect(matches[1]?.reasons).toContain(MatchReason.MATCH_REASON_LANGUAGE_MISMATCH);

      const withFull = await search({ includeUnavailable: true, sex: Sex.SEX_FEMALE });
      expect(withFull.matches.map((m) => m.serviceOffering?.serviceOfferingId)).toEqual(
        expect.arrayContaining([`full-${h.suffix}`, `women-${h.suffix}`]),
      );
      expect(withFull.matches.at(-1)?.serviceOffering?.serviceOfferingId).toBe(`full-${h.suffix}`);

      const elsewhere = await search({ provinceCode: "TUR097", districtCode: "" });
      expect(elsewhere.matches).toEqual([]);
    });

    it("lists organisations by partner kind and province", async () => {
      const page = await h.call(h.client.listOrganisations, {
        partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
        provinceCodes: ["TUR098"],
        includeInactive: false,
        page: { pageSize: 10, pageToken: "" },
      });
      expect(page.organisations.map((o) => o.organisationId)).toContain(organisationId);
      expect(page.page?.totalSize).toBe(1);
      const none = await h.call(h.client.listOrganisations, {
        partnerKinds: [],
        provinceCodes: ["TUR097"],
        includeInactive: true,
      });
      expect(none.organisations).toEqual([]);
    });
  });

  describe("directory rules", () => {
    it("names every bad field of an offering (INVALID_ARGUMENT)", async () => {
      const err = await failure(
        h.call(
          h.client.upsertServiceOffering,
          {
            serviceOffering: offering("Not A Slug", {
              serviceType: 0,
              coverage: [],
              capacityStatus: 0,
              requiredDataCategories: [DataCategory.DATA_CATEGORY_FINANCIAL],
              acceptedDataCategories: [DataCategory.DATA_CATEGORY_IDENTITY, DataCategory.DATA_CATEGORY_GBV],
              languages: ["Arabic"],
            }),
          },
          coordinator,
        ),
      );
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(invalidFields(err)).toEqual(
        expect.arrayContaining([
          "service_offering.organisation_id",
          "service_offering.service_type",
          "service_offering.coverage",
          "service_offering.languages[0]",
          "service_offering.capacity_status",
          "service_offering.required_data_categories[0]",
        ]),
      );
      expect(err.details).toContain("is required but not in accepted_data_categories");
    });

    it("refuses sensitive categories outside the service type's data contract", async () => {
      const err = await failure(
        h.call(
          h.client.upsertServiceOffering,
          {
            serviceOffering: offering(`any-${h.suffix}`, {
              coverage: [{ provinceCode: "TUR027", districtCode: "TUR031001" }],
              acceptedDataCategories: [DataCategory.DATA_CATEGORY_IDENTITY, DataCategory.DATA_CATEGORY_GBV],
              requiredDataCategories: [],
            }),
          },
          coordinator,
        ),
      );
      expect(invalidFields(err)).toEqual([
        "service_offering.coverage[0].district_code",
        "service_offering.accepted_data_categories[1]",
      ]);
    });

    it("names the organisation fields at fault", async () => {
      const err = await failure(
        h.call(
          h.client.upsertOrganisation,
          {
            organisation: {
              organisationId: "Bad Id",
              name: "",
              partnerKind: 0,
              locations: [{ provinceCode: "gaziantep", districtCode: "" }],
              active: true,
            },
          },
          coordinator,
        ),
      );
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(invalidFields(err)).toEqual([
        "organisation.organisation_id",
        "organisation.name",
        "organisation.partner_kind",
        "organisation.locations[0].province_code",
      ]);
      const missing = await failure(h.call(h.client.upsertOrganisation, {}, coordinator));
      expect(invalidFields(missing)).toEqual(["organisation"]);
    });

    it("answers NOT_FOUND for an unknown organisation or offering", async () => {
      const unknownOrg = await failure(
        h.call(
          h.client.upsertServiceOffering,
          { serviceOffering: offering(`nobody-${h.suffix}`) },
          coordinator,
        ),
      );
      expect(unknownOrg.code).toBe(status.NOT_FOUND);
      const unknownOffering = await failure(
        h.call(
          h.client.setCapacityStatus,
          { serviceOfferingId: `nothing-${h.suffix}`, capacityStatus: CapacityStatus.CAPACITY_STATUS_FULL },
          coordinator,
        ),
      );
      expect(unknownOffering.code).toBe(status.NOT_FOUND);
    });

    it("lets only coordinators add organisations, and supervisors change only their own", async () => {
      const organisation = {
        organisationId: `ngo-${h.suffix}`,
        name: "Synthetic NGO",
        partnerKind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
        locations: [],
        active: true,
      };
      const anonymous = await failure(h.call(h.client.upsertOrganisation, { organisation }));
      expect(anonymous.code).toBe(status.PERMISSION_DENIED);
      const admin = await failure(
        h.call(
          h.client.upsertOrganisation,
          { organisation },
          { organisationId: organisation.organisationId, actorId: "supervisor-1", roles: ["supervisor"] },
        ),
      );
      expect(admin.code).toBe(status.PERMISSION_DENIED);
      await h.call(h.client.upsertOrganisation, { organisation }, coordinator);
      const ownAdmin = await h.call(
        h.client.upsertOrganisation,
        { organisation: { ...organisation, shortName: "SN" } },
        { organisationId: organisation.organisationId, actorId: "supervisor-1", roles: ["supervisor"] },
      );
      expect(ownAdmin.organisation?.shortName).toBe("SN");
      const otherAdmin = await failure(
        h.call(
          h.client.upsertServiceOffering,
          { serviceOffering: offering(organisation.organisationId) },
          { organisationId: `someone-else-${h.suffix}`, actorId: "supervisor-2", roles: ["supervisor"] },
        ),
      );
      expect(otherAdmin.code).toBe(status.PERMISSION_DENIED);
      // A caseworker of the organisation holds no directory right; a title is read from roles only.
      const caseworker = await failure(
        h.call(
          h.client.upsertOrganisation,
          { organisation: { ...organisation, shortName: "CW" } },
          { organisationId: organisation.organisationId, actorId: "caseworker-1", roles: ["caseworker"] },
        ),
      );
      expect(caseworker.code).toBe(status.PERMISSION_DENIED);
    });

    it("lets a network admin maintain every organisation's entries and add organisations", async () => {
      const networkAdmin = {
        organisationId: `kopru-ops-${h.suffix}`,
        actorId: "network-admin-1",
        roles: ["caseworker", "network-admin"],
      };
      const { organisation } = await h.call(
        h.client.upsertOrganisation,
        {
          organisation: {
            organisationId: `ngo-b-${h.suffix}`,
            name: "Second synthetic NGO",
            partnerKind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
            locations: [],
            active: true,
          },
        },
        networkAdmin,
      );
      expect(organisation?.organisationId).toBe(`ngo-b-${h.suffix}`);
      const created = await h.call(
        h.client.upsertServiceOffering,
        { serviceOffering: offering(`ngo-b-${h.suffix}`) },
        networkAdmin,
      );
      expect(created.serviceOffering?.organisationId).toBe(`ngo-b-${h.suffix}`);
      await h.call(
        h.client.removeServiceOffering,
        { serviceOfferingId: created.serviceOffering?.serviceOfferingId ?? "" },
        networkAdmin,
      );
    });
  });

  async function waitForDirectory(after: number, match: (m: StoredMsg) => boolean): Promise<StoredMsg> {
    return waitFor(async () => (await directoryMessagesSince(after)).find(match), {
      message: "the directory event in KOPRU_DIRECTORY",
    });
  }

  async function waitForDirectoryCount(
    after: number,
    aggregateId: string,
    count: number,
  ): Promise<StoredMsg[]> {
    return waitFor(
      async () => {
        const mine = (await directoryMessagesSince(after)).filter(
          (m) => m.header?.get(HEADER.aggregateId) === aggregateId,
        );
        return mine.length >= count ? mine : undefined;
      },
      { message: `${count} directory events about ${aggregateId}` },
    );
  }
});
