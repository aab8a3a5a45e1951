import type { CapacityStatus, ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import { NotFoundError, PermissionDeniedError } from "@kopru/service-kit";
import { type Access, mayManageDirectoryOf } from "../domain/access.js";
import { OfferingRemovedError } from "../domain/errors.js";
import { type CoordinationDeps, notBefore, producerFor } from "./deps.js";
import { offeringCapacityChanged, offeringUpserted } from "./directory-writes.js";
import { withCountedPlaces } from "./live-capacity.js";

/**
 * Changes only an offering's capacity status (for an offering that counts places, only to or from
 * SUSPENDED: otherwise its free places decide): the row, a ServiceOfferingUpserted with the full new state
 * and a ServiceOfferingCapacityChanged commit together. Setting the current status again is a no-op.
 */
export async function setCapacityStatus(
  deps: CoordinationDeps,
  input: { serviceOfferingId: string; capacityStatus: CapacityStatus },
  access: Access,
): Promise<ServiceOffering> {
  const outcome = await deps.db.transaction(async (tx) => {
    const existing = await deps.directory.offering(tx, input.serviceOfferingId, { forUpdate: true });
    if (!existing) throw new NotFoundError("service offering", input.serviceOfferingId);
    const current = existing.offering;
    if (!mayManageDirectoryOf(access, current.organisationId)) {
      throw new PermissionDeniedError(
        `only coordinators, network admins and supervisors of ${current.organisationId} may change its offerings`,
      );
    }
    if (existing.removedAt) {
      throw new OfferingRemovedError(input.serviceOfferingId);
    }
    if (current.capacityStatus === input.capacityStatus) return { offering: current, changed: false };
    // An offering that counts its places takes its status from them; by hand only SUSPENDED (and back).
    const next: ServiceOffering = await withCountedPlaces(deps, tx, {
      ...current,
      capacityStatus: input.capacityStatus,
      updatedAt: notBefore(deps.clock.now(), current.updatedAt),
    });
    if (next.capacityStatus === current.capacityStatus) return { offering: current, changed: false };
    const producer = producerFor(access);
    await offeringUpserted(tx, producer, next, existing.version + 1);
    await offeringCapacityChanged(tx, producer, next, current.capacityStatus, existing.version + 2);
    await deps.directory.saveOffering(
      tx,
      { ...existing, offering: next, version: existing.version + 2 },
      "update",
    );
    return { offering: next, changed: true };
  });
  if (outcome.changed) deps.afterCommit();
  return outcome.offering;
}
