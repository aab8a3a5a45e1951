import type { MatchLink } from "@kopru/contracts/matching/v1/matching";
import type {
  LinkMatchResponse,
  ListMatchLinksResponse,
} from "@kopru/contracts/matching/v1/matching_service";
import { NotFoundError } from "@kopru/service-kit";
import type { MatchingDeps, StoredLink } from "./ports.js";

/** A link as one side sees it: its own record, the other organisation. */
export function linkView(link: StoredLink, organisationId: string): MatchLink {
  const seekerSide = link.seekerOrganisationId === organisationId;
  return {
    matchId: link.matchId,
    recordRef: (seekerSide ? link.seekerRecordRef : link.holderRecordRef) ?? "",
    otherOrganisationId: seekerSide ? link.holderOrganisationId : link.seekerOrganisationId,
    linkedByOrganisationId: link.linkedByOrganisationId,
    consentId: link.consentId,
    linkedAt: link.linkedAt,
  };
}

/**
 * Links a possible match the organisation was told, under the person's consent. Only the organisation
 * that was told may link (it asked the person); the holder sees the link in its own list. A second
 * link of the same match answers the first.
 */
export async function linkMatch(
  deps: MatchingDeps,
  organisationId: string,
  request: { matchId: string; consentId: string },
): Promise<LinkMatchResponse> {
  const link = await deps.db.transaction(async (tx) => {
    const match = await deps.store.findMatch(tx, request.matchId, organisationId);
    if (!match) throw new NotFoundError("match", request.matchId);
    return deps.store.link(tx, {
      matchId: match.matchId,
      linkedByOrganisationId: organisationId,
      consentId: request.consentId,
      linkedAt: deps.clock.now(),
      seekerOrganisationId: match.seeker.organisationId,
      seekerRecordRef: match.seeker.recordRef,
      holderOrganisationId: match.holder.organisationId,
      holderRecordRef: match.holder.recordRef,
    });
  });
  return { link: linkView(link, organisationId) };
}

export async function listMatchLinks(
  deps: MatchingDeps,
  filter: { organisationId: string; recordRef?: string | undefined; limit: number; offset: number },
): Promise<Pick<ListMatchLinksResponse, "links">> {
  const links = await deps.store.links(deps.db, filter);
  return { links: links.map((link) => linkView(link, filter.organisationId)) };
}
