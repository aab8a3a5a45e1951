import type { ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import { NotFoundError, PermissionDeniedError } from "@kopru/service-kit";
import { v7 as uuidv7 } from "uuid";
import { type Access, mayManageDirectoryOf } from "../domain/access.js";
import { OfferingOwnerChangeError } from "../domain/errors.js";
import { type CoordinationDeps, notBefore, producerFor } from "./deps.js";
import { offeringCapacityChanged, offeringUpserted, sameOffering } from "./directory-writes.js";
import { withCountedPlaces } from "./live-capacity.js";

/**
 * Creates or replaces a service offering (its full state) and announces it, in one transaction:
 * ServiceOfferingUpserted always, plus ServiceOfferingCapacityChanged when the capacity changed.
 * An empty id creates one (a UUID). Upserting a removed offering puts it back in the directory.
 */
export async function upsertServiceOffering(
  deps: CoordinationDeps,
  input: ServiceOffering,
  access: Access,
): Promise<ServiceOffering> {
  if (!mayManageDirectoryOf(access, input.organisationId)) {
    throw new PermissionDeniedError(
      `only coordinators, network admins and supervisors of ${input.organisationId} may change its offerings`,
    );
  }
  const outcome = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const organisation = await deps.directory.organisation(tx, input.organisationId);
    if (!organisation) throw new NotFoundError("organisation", input.organisationId);
    const existing = input.serviceOfferingId
      ? await deps.directory.offering(tx, input.serviceOfferingId, { forUpdate: true })
      : undefined;
    if (existing && existing.offering.organisationId !== input.organisationId) {
      throw new OfferingOwnerChangeError(input.serviceOfferingId, existing.offering.organisationId);
    }
    // Free places (and, when places are counted, the capacity status) come from the counts.
    const next: ServiceOffering = await withCountedPlaces(deps, tx, {
      ...input,
      serviceOfferingId: input.serviceOfferingId || uuidv7(),
      updatedAt: notBefore(now, existing?.offering.updatedAt),
    });
    if (existing && !existing.removedAt && sameOffering(existing.offering, next)) {
      return { offering: existing.offering, changed: false };
    }
    const producer = producerFor(access);
    let version = existing?.version ?? 0;
    await offeringUpserted(tx, producer, next, ++version);
    const previousCapacity = existing?.offering.capacityStatus;
    if (
      previousCapacity !== undefined &&
      (previousCapacity !== next.capacityStatus ||
        existing?.offering.freePlaces !== next.freePlaces ||
        existing?.offering.totalPlaces !== next.totalPlaces)
    ) {
      await offeringCapacityChanged(tx, producer, next, previousCapacity, ++version);
    }
    await deps.directory.saveOffering(
      tx,
      { offering: next, version, createdAt: existing?.createdAt ?? now, removedAt: undefined },
      existing ? "update" : "insert",
    );
    return { offering: next, changed: true };
  });
  if (outcome.changed) deps.afterCommit();
  return outcome.offering;
}
