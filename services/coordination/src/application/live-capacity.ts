import type { ReceivedEvent } from "@kopru/bus";
import type { ActivityCapacityChanged } from "@kopru/contracts/communitycentre/v1/events";
import type { ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import type { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import type { Sql } from "@kopru/storage";
import { capacityFromPlaces, placeDelta, placesOf } from "../domain/places.js";
import { notBefore, SERVICE_NAME } from "./deps.js";
import { offeringCapacityChanged, offeringUpserted } from "./directory-writes.js";
import type { DirectoryRepository, PlacesRepository } from "./ports.js";

type Ports = { directory: DirectoryRepository; places: PlacesRepository };

/**
 * The offering with its places counted: total and free places from the counts, and the capacity status
 * they give (see `capacityFromPlaces`). Free places are never taken from a caller.
 */
export async function withCountedPlaces(
  ports: Pick<Ports, "places">,
  tx: Sql,
  offering: ServiceOffering,
): Promise<ServiceOffering> {
  const places = placesOf({
    totalPlaces: offering.totalPlaces,
    placesTaken: await ports.places.placesTaken(tx, offering.serviceOfferingId),
    seats: await ports.places.seatsOf(tx, offering.organisationId, offering.serviceType),
  });
  return {
    ...offering,
    totalPlaces: places?.total,
    freePlaces: places?.free,
    capacityStatus: capacityFromPlaces(offering.capacityStatus, places, offering.waitlist ?? false),
  };
}

/**
 * Recounts an offering's places and, when they or its status changed, announces it in the same
 * transaction: ServiceOfferingUpserted (full state) and ServiceOfferingCapacityChanged (counts only).
 * Returns whether anything was announced.
 */
export async function recountPlaces(
  ports: Ports,
  tx: Sql,
  serviceOfferingId: string,
  at: Date,
): Promise<boolean> {
  const existing = await ports.directory.offering(tx, serviceOfferingId, { forUpdate: true });
  if (!existing || existing.removedAt) return false;
  const current = existing.offering;
  const counted = await withCountedPlaces(ports, tx, current);
  if (
    counted.freePlaces === current.freePlaces &&
    counted.totalPlaces === current.totalPlaces &&
    counted.capacityStatus === current.capacityStatus
  )
    return false;
  const next: ServiceOffering = { ...counted, updatedAt: notBefore(at, current.updatedAt) };
  const producer = { organisationId: current.organisationId, service: SERVICE_NAME };
  await offeringUpserted(tx, producer, next, existing.version + 1);
  await offeringCapacityChanged(tx, producer, next, current.capacityStatus, existing.version + 2);
  await ports.directory.saveOffering(
    tx,
    { ...existing, offering: next, version: existing.version + 2 },
    "update",
  );
  return true;
}

/**
 * A referral's status change takes a place of its offering (accepted) or frees one (it ended after
 * acceptance: completed, not completed, cancelled). The offering is the one the referral names, or the
 * target's only offering of that service type. Runs in the tracking consumer's transaction, in each
 * referral's sequence.
 */
export async function applyReferralPlaces(
  ports: Ports,
  tx: Sql,
  event: ReceivedEvent<ReferralStatusChanged>,
): Promise<boolean> {
  const change = event.payload;
  const delta = placeDelta(change.fromStatus, change.toStatus);
  if (delta === 0) return false;
  let offeringId = change.serviceOfferingId;
  if (!offeringId) {
    const offerings = await ports.places.offeringsOf(tx, change.targetOrganisationId, change.serviceType);
    if (offerings.length !== 1) return false;
    offeringId = offerings[0] as string;
  }
  const at = change.occurredAt ?? event.occurredAt;
  await ports.places.addPlaces(tx, offeringId, delta, at);
  return recountPlaces(ports, tx, offeringId, at);
}

/** A community centre's activity seats changed: the offerings of that organisation and service type recount. */
export async function applyActivitySeats(
  ports: Ports,
  tx: Sql,
  event: ReceivedEvent<ActivityCapacityChanged>,
): Promise<boolean> {
  const seats = event.payload;
  const at = seats.changedAt ?? event.occurredAt;
  const kept = await ports.places.saveActivitySeats(tx, {
    activityId: seats.activityId,
    organisationId: seats.organisationId,
    serviceType: seats.serviceType,
    capacity: seats.capacity,
    seatsTaken: seats.seatsTaken,
    changedAt: at,
  });
  if (!kept) return false;
  let announced = false;
  for (const offeringId of await ports.places.offeringsOf(tx, seats.organisationId, seats.serviceType))
    announced = (await recountPlaces(ports, tx, offeringId, at)) || announced;
  return announced;
}
