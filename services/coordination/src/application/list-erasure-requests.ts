import type { PageRequest } from "@kopru/contracts/common/v1/refs";
import { type ErasureRequestTracked, ErasureResult } from "@kopru/contracts/referral/v1/events";
import { readPage } from "@kopru/referral";
import { type Access, trackingScope } from "../domain/access.js";
import type { CoordinationDeps } from "./deps.js";

/**
 * The network-wide erasure requests a coordinator follows (ADR 0023): each holder's confirmation or
 * how overdue it is, and the KVKK due date, oldest due first. Overdue is judged on coordination's
 * own clock, so a holder past its deadline shows even while the requester is down. A caller who is
 * not a coordinator sees only the requests its own organisation made.
 */
export async function listErasureRequests(
  deps: Pick<CoordinationDeps, "db" | "clock" | "erasures">,
  request: { overdueOnly: boolean; includeCompleted: boolean; page: PageRequest | undefined },
  access: Access,
) {
  const now = deps.clock.now();
  const found = await deps.erasures.list(deps.db, {
    requesterOrganisationId: trackingScope(access),
    overdueOnly: request.overdueOnly,
    includeCompleted: request.includeCompleted,
    now,
    page: readPage(request.page),
  });
  return { ...found, items: found.items.map((report) => asOf(report, now)) };
}

/** A report with each pending holder's overdue flag as of now. */
function asOf(report: ErasureRequestTracked, now: Date): ErasureRequestTracked {
  return {
    ...report,
    holders: report.holders.map((holder) => {
      const pending = holder.result === ErasureResult.ERASURE_RESULT_UNSPECIFIED;
      const due = holder.confirmBy !== undefined && holder.confirmBy.getTime() <= now.getTime();
      return { ...holder, overdue: pending && (holder.overdue || due) };
    }),
  };
}
