import type { Organisation } from "@kopru/contracts/coordination/v1/directory";
import { PermissionDeniedError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import { type Access, mayAddOrganisations, mayManageDirectoryOf } from "../domain/access.js";
import { slugCandidates, slugFromName } from "../domain/ids.js";
import { type CoordinationDeps, notBefore, producerFor } from "./deps.js";
import { organisationUpserted, sameOrganisation } from "./directory-writes.js";

/**
 * Creates or replaces an organisation (its full state) and announces it, in one transaction. An
 * empty id creates one, derived from the name. Repeating the same state changes nothing and
 * publishes nothing, so seeding the directory twice is harmless.
 */
export async function upsertOrganisation(
  deps: CoordinationDeps,
  input: Organisation,
  access: Access,
): Promise<Organisation> {
  if (input.organisationId !== "" && !mayManageDirectoryOf(access, input.organisationId)) {
    throw new PermissionDeniedError(
      `only coordinators, network admins and supervisors of ${input.organisationId} may change this organisation`,
    );
  }
  const outcome = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const existing = input.organisationId
      ? await deps.directory.organisation(tx, input.organisationId, { forUpdate: true })
      : undefined;
    if (!existing && !mayAddOrganisations(access)) {
      throw new PermissionDeniedError(
        "only coordinators and network admins may add organisations to the directory",
      );
    }
    const organisationId = input.organisationId || (await newOrganisationId(deps, tx, input.name));
    const next: Organisation = {
      ...input,
      organisationId,
      updatedAt: notBefore(now, existing?.organisation.updatedAt),
    };
    if (existing && sameOrganisation(existing.organisation, next)) {
      return { organisation: existing.organisation, changed: false };
    }
    const version = (existing?.version ?? 0) + 1;
    await deps.directory.saveOrganisation(
      tx,
      { organisation: next, version, createdAt: existing?.createdAt ?? now },
      existing ? "update" : "insert",
    );
    await organisationUpserted(tx, producerFor(access), next, version);
    return { organisation: next, changed: true };
  });
  if (outcome.changed) deps.afterCommit();
  return outcome.organisation;
}

/** The first free id among the name's slug, `slug-2`, …; a generated one when the name has no letters. */
async function newOrganisationId(deps: CoordinationDeps, tx: Sql, name: string): Promise<string> {
  const slug = slugFromName(name);
  if (slug) {
    const candidates = slugCandidates(slug, 20);
    const taken = await deps.directory.takenOrganisationIds(tx, candidates);
    const free = candidates.find((candidate) => !taken.has(candidate));
    if (free) return free;
  }
  return `org-${uuidv7().slice(-12)}`;
}
