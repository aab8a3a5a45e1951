import type { ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import { NotFoundError, PermissionDeniedError } from "@kopru/service-kit";
import { type Access, mayManageDirectoryOf } from "../domain/access.js";
import { type CoordinationDeps, notBefore, producerFor } from "./deps.js";
import { offeringRemoved, offeringUpserted } from "./directory-writes.js";

/**
 * Withdraws an offering: it stays in the table for history, inactive, and is announced both as
 * ServiceOfferingUpserted (so replicas hold the inactive state) and ServiceOfferingRemoved.
 * Removing it again answers the first removal's time and publishes nothing.
 */
export async function removeServiceOffering(
  deps: CoordinationDeps,
  input: { serviceOfferingId: string },
  access: Access,
): Promise<Date> {
  const outcome = await deps.db.transaction(async (tx) => {
    const existing = await deps.directory.offering(tx, input.serviceOfferingId, { forUpdate: true });
    if (!existing) throw new NotFoundError("service offering", input.serviceOfferingId);
    if (!mayManageDirectoryOf(access, existing.offering.organisationId)) {
      throw new PermissionDeniedError(
        `only coordinators, network admins and supervisors of ${existing.offering.organisationId} may remove its offerings`,
      );
    }
    if (existing.removedAt) return { removedAt: existing.removedAt, changed: false };
    const removedAt = notBefore(deps.clock.now(), existing.offering.updatedAt);
    const next: ServiceOffering = { ...existing.offering, active: false, updatedAt: removedAt };
    const producer = producerFor(access);
    await offeringUpserted(tx, producer, next, existing.version + 1);
    await offeringRemoved(tx, producer, next, removedAt, existing.version + 2);
    await deps.directory.saveOffering(
      tx,
      { ...existing, offering: next, version: existing.version + 2, removedAt },
      "update",
    );
    return { removedAt, changed: true };
  });
  if (outcome.changed) deps.afterCommit();
  return outcome.removedAt;
}
