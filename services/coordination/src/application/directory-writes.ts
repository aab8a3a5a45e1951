import { appendToOutbox, type Producer } from "@kopru/bus";
import { Organisation, ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import { EVENTS } from "@kopru/events";
import type { Sql } from "@kopru/storage";

// Directory events, written into the outbox in the transaction that changes the row. Each row is
// an aggregate ("organisation", "service-offering") whose version counts the events published
// about it, so consumers see a gapless sequence 1, 2, 3, … per entry.

export const ORGANISATION_AGGREGATE = "organisation";
export const OFFERING_AGGREGATE = "service-offering";

export async function organisationUpserted(
  tx: Sql,
  producer: Producer,
  organisation: Organisation,
  sequence: number,
): Promise<void> {
  await appendToOutbox(tx, producer, {
    definition: EVENTS.organisationUpserted,
    payload: { organisation },
    aggregate: { type: ORGANISATION_AGGREGATE, id: organisation.organisationId, sequence },
    occurredAt: organisation.updatedAt,
  });
}

export async function offeringUpserted(
  tx: Sql,
  producer: Producer,
  serviceOffering: ServiceOffering,
  sequence: number,
): Promise<void> {
  await appendToOutbox(tx, producer, {
    definition: EVENTS.serviceOfferingUpserted,
    payload: { serviceOffering },
    aggregate: { type: OFFERING_AGGREGATE, id: serviceOffering.serviceOfferingId, sequence },
    occurredAt: serviceOffering.updatedAt,
  });
}

export async function offeringCapacityChanged(
  tx: Sql,
  producer: Producer,
  offering: ServiceOffering,
  fromStatus: number,
  sequence: number,
): Promise<void> {
  await appendToOutbox(tx, producer, {
    definition: EVENTS.serviceOfferingCapacityChanged,
    payload: {
      serviceOfferingId: offering.serviceOfferingId,
      organisationId: offering.organisationId,
      serviceType: offering.serviceType,
      fromStatus,
      toStatus: offering.capacityStatus,
      changedAt: offering.updatedAt,
      // Counts only: never which referral or person took or freed a place.
      totalPlaces: offering.totalPlaces,
      freePlaces: offering.freePlaces,
    },
    aggregate: { type: OFFERING_AGGREGATE, id: offering.serviceOfferingId, sequence },
    occurredAt: offering.updatedAt,
  });
}

export async function offeringRemoved(
  tx: Sql,
  producer: Producer,
  offering: ServiceOffering,
  removedAt: Date,
  sequence: number,
): Promise<void> {
  await appendToOutbox(tx, producer, {
    definition: EVENTS.serviceOfferingRemoved,
    payload: {
      serviceOfferingId: offering.serviceOfferingId,
      organisationId: offering.organisationId,
      removedAt,
    },
    aggregate: { type: OFFERING_AGGREGATE, id: offering.serviceOfferingId, sequence },
    occurredAt: removedAt,
  });
}

/** Whether two states differ in anything but `updated_at` (a repeated upsert changes nothing). */
export function sameOrganisation(a: Organisation, b: Organisation): boolean {
  return equalBytes(
    Organisation.encode({ ...a, updatedAt: undefined }).finish(),
    Organisation.encode({ ...b, updatedAt: undefined }).finish(),
  );
}

export function sameOffering(a: ServiceOffering, b: ServiceOffering): boolean {
  return equalBytes(
    ServiceOffering.encode({ ...a, updatedAt: undefined }).finish(),
    ServiceOffering.encode({ ...b, updatedAt: undefined }).finish(),
  );
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
