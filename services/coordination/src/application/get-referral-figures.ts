import type { FigureKey, FigureRow } from "@kopru/contracts/coordination/v1/tracking";
import { type Access, trackingScope } from "../domain/access.js";
import { figureRow, suppressSmallCells } from "../domain/figures.js";
import type { CoordinationDeps } from "./deps.js";
import type { FigureColumn, GroupCounts, TrackingFilter } from "./ports.js";

export interface ReferralFigures {
  rows: FigureRow[];
  total: FigureRow;
  minCellSize: number;
  asOf: Date | undefined;
}

/** The FigureKey of a group: the grouped dimensions set, the others left empty. */
function figureKey(key: GroupCounts["key"]): FigureKey {
  const text = (column: FigureColumn) => (column in key ? String(key[column]) : undefined);
  const code = (column: FigureColumn) => (column in key ? Number(key[column]) : 0);
  return {
    targetOrganisationId: text("target_organisation_id"),
    referrerOrganisationId: text("referrer_organisation_id"),
    serviceType: code("service_type"),
    provinceCode: text("province_code"),
    priority: code("priority"),
    sex: code("sex"),
    ageBand: code("age_band"),
    disabilityStatus: code("disability_status"),
    nationality: text("nationality"),
  };
}

/**
 * The referral funnel, counts, rates and time-to-accept/complete percentiles for the filtered
 * referrals, grouped by the dimensions asked (in that order) plus the total; groups smaller than
 * the minimum cell size are withheld. All numbers come from one snapshot of the read model. A
 * caller who is not a coordinator counts only referrals its organisation sent or received.
 */
export async function getReferralFigures(
  deps: CoordinationDeps,
  input: { filter: TrackingFilter; groupBy: readonly FigureColumn[] },
  access: Access,
): Promise<ReferralFigures> {
  const filter: TrackingFilter = { ...input.filter, involving: trackingScope(access) };
  const now = deps.clock.now();
  const { grouped, total, asOf } = await deps.db.transaction(
    async (tx) => {
      const figures = await deps.tracking.figuresAndTotal(tx, filter, input.groupBy, now);
      return {
        grouped: input.groupBy.length > 0 ? figures.groups : [],
        total: figures.total,
        asOf: await deps.tracking.asOf(tx),
      };
    },
    { isolation: "repeatable read" },
  );
  const totalRow = figureRow(figureKey({} as GroupCounts["key"]), (total as GroupCounts).counts);
  const rows = grouped.map((group) => figureRow(figureKey(group.key), group.counts));
  const published = suppressSmallCells(rows, totalRow, deps.minCellSize);
  return { ...published, minCellSize: deps.minCellSize, asOf };
}
