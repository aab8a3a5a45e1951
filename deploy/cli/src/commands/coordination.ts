import {
  GetReferralFiguresResponse,
  GetReferralTimelineResponse,
  ListOrganisationsResponse,
  ListOverdueReferralsResponse,
  ListServiceOfferingsResponse,
  SetCapacityStatusResponse,
  UpsertServiceOfferingResponse,
} from "@kopru/contracts/coordination/v1/coordination_service";
import { FigureDimension, type FigureKey, type FigureRow } from "@kopru/contracts/coordination/v1/tracking";
import type { Command } from "commander";
import { type CliIo, CommandContext, collect } from "../context.js";
import { enumName, parseEnum, parseEnumList, splitList } from "../enums.js";
import { CliUsageError } from "../errors.js";
import { duration, percent, seconds, table, time } from "../format.js";
import type { Gateway } from "../grpc.js";
import { provinceLabel } from "../provinces.js";
import {
  ENUMS,
  type FiguresOptions,
  figuresRequest,
  type OverdueOptions,
  overdueRequest,
} from "../requests.js";
import { placesText, reasonOf, trackedTable } from "../views.js";

/** Coordination calls act as the coordination office unless --as names another organisation. */
const COORDINATOR = { organisationId: "coordination", role: "coordinator" };

/** The column a grouped dimension shows in a figures table. */
export function keyCell(dimension: FigureDimension, key: FigureKey | undefined): string {
  switch (dimension) {
    case FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION:
      return key?.targetOrganisationId ?? "-";
    case FigureDimension.FIGURE_DIMENSION_REFERRER_ORGANISATION:
      return key?.referrerOrganisationId ?? "-";
    case FigureDimension.FIGURE_DIMENSION_SERVICE_TYPE:
      return enumName(ENUMS.serviceType, key?.serviceType);
    case FigureDimension.FIGURE_DIMENSION_PROVINCE:
      return provinceLabel(key?.provinceCode);
    case FigureDimension.FIGURE_DIMENSION_PRIORITY:
      return enumName(ENUMS.priority, key?.priority);
    case FigureDimension.FIGURE_DIMENSION_SEX:
      return enumName(ENUMS.sex, key?.sex);
    case FigureDimension.FIGURE_DIMENSION_AGE_BAND:
      return enumName(ENUMS.ageBand, key?.ageBand);
    case FigureDimension.FIGURE_DIMENSION_DISABILITY_STATUS:
      return enumName(ENUMS.disability, key?.disabilityStatus);
    case FigureDimension.FIGURE_DIMENSION_NATIONALITY:
      return key?.nationality || "-";
    default:
      return "-";
  }
}

const COUNTS = [
  "requested",
  "accepted",
  "declined",
  "on hold",
  "completed",
  "not compl.",
  "cancelled",
  "redirected",
  "expired",
  "open",
  "overdue",
  "received",
  "partly",
  "not recv.",
  // Open referrals someone at the target is assigned to (never who), and those past their
  // follow-up deadline (ADR 0015).
  "assigned",
  "f-up overdue",
];

function countCells(row: FigureRow): string[] {
  if (row.suppressed) return [...COUNTS.map(() => "·"), "-", "-", "-", "-"];
  return [
    row.requested,
    row.accepted,
    row.declined,
    row.onHold,
    row.completed,
    row.notCompleted,
    row.cancelled,
    row.redirected,
    row.expired,
    row.open,
    row.overdue,
    row.outcomeReceived,
    row.outcomePartlyReceived,
    row.outcomeNotReceived,
    row.assigned,
    row.followUpOverdue,
  ]
    .map(String)
    .concat([
      percent(row.acceptanceRate),
      percent(row.completionRate),
      seconds(row.timeToAccept?.p50Seconds),
      seconds(row.timeToComplete?.p50Seconds),
    ]);
}

/** Why services were not received, over the whole selection: "not received: unreachable 3, …". */
function notReceivedWhy(total: FigureRow | undefined): string {
  const reasons = total?.notReceivedReasons ?? [];
  if (reasons.length === 0) return "";
  const parts = reasons.map((r) => `${enumName(ENUMS.notCompletedReason, r.reason)} ${r.count}`);
  return `not received: ${parts.join(", ")}`;
}

export function figuresTable(
  response: GetReferralFiguresResponse,
  groupBy: readonly FigureDimension[],
): string {
  const headers = [
    ...groupBy.map((d) => enumName(FigureDimension, d)),
    ...COUNTS,
    "accept %",
    "complete %",
    "to accept p50",
    "to complete p50",
  ];
  const rows = response.rows.map((row) => [...groupBy.map((d) => keyCell(d, row.key)), ...countCells(row)]);
  if (response.total)
    rows.push([...groupBy.map((_, i) => (i === 0 ? "TOTAL" : "")), ...countCells(response.total)]);
  const suppressed = response.rows.filter((row) => row.suppressed).length;
  const notes = [
    `as of ${time(response.asOf)}; groups smaller than ${response.minCellSize} are suppressed (·)`,
    suppressed > 0 ? `${suppressed} group(s) suppressed` : "",
    notReceivedWhy(response.total),
  ].filter(Boolean);
  return `${table(headers, rows)}\n${notes.join("; ")}`;
}

export function registerCoordinationCommands(program: Command, gateway: Gateway, io: CliIo): void {
  const ctx = (command: Command) => CommandContext.of(command, gateway, io);
  const coordination = program
    .command("coordination")
    .description("the network view: directory, PII-free timelines, figures and overdue referrals");

  coordination
    .command("timeline <referral-id>")
    .description("the PII-free history of a referral and its chain, as coordination tracks it")
    .action(async (referralId: string, _o: unknown, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway
        .coordination(c.caller(COORDINATOR))
        .call("getReferralTimeline", { referralId, includeChain: true });
      c.print(GetReferralTimelineResponse, response, () =>
        [
          trackedTable(response.referrals, io.now()),
          "",
          table(
            ["at", "referral", "seq", "from", "to", "by", "reason/outcome"],
            response.transitions.map((t) => [
              time(t.occurredAt),
              t.referralId,
              String(t.sequence),
              enumName(ENUMS.status, t.fromStatus),
              enumName(ENUMS.status, t.toStatus) + (t.childReferralId ? ` → ${t.childReferralId}` : ""),
              t.actorOrganisationId || "-",
              reasonOf(t),
            ]),
          ),
        ].join("\n"),
      );
    });

  coordination
    .command("figures")
    .description("funnel counts, rates and durations, grouped by dimensions (small groups suppressed)")
    .option("--from <date>", "referrals requested on or after this date")
    .option("--to <date>", "referrals requested up to the end of this date")
    .option(
      "--by <dimensions>",
      "group by: organisation (target), referrer, service_type, province, priority, sex, age_band, disability, nationality",
      collect,
    )
    .option("--target <orgs>", "only these target organisations", collect)
    .option("--referrer <orgs>", "only these referring organisations", collect)
    .option("--service <types>", "only these service types", collect)
    .option("--province <p-codes>", "only these provinces", collect)
    .option("--priority <priorities>", "only these priorities", collect)
    .action(async (options: FiguresOptions, command: Command) => {
      const c = ctx(command);
      const request = figuresRequest(options);
      const response = await c.gateway
        .coordination(c.caller(COORDINATOR))
        .call("getReferralFigures", request);
      c.print(GetReferralFiguresResponse, response, () => figuresTable(response, request.groupBy));
    });

  coordination
    .command("overdue")
    .description("referrals past their answer (or, --follow-up, follow-up) deadline, most overdue first")
    .option("--target <orgs>", "only these target organisations", collect)
    .option("--referrer <orgs>", "only these referring organisations", collect)
    .option("--service <types>", "only these service types", collect)
    .option("--priority <priorities>", "only these priorities", collect)
    .option("--province <p-codes>", "only these provinces", collect)
    .option("--include-expired", "also list expired referrals not yet re-routed")
    .option("--follow-up", "instead: accepted referrals still open past their follow-up deadline")
    .option("--limit <n>", "page size (default 100)")
    .action(async (options: OverdueOptions, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway
        .coordination(c.caller(COORDINATOR))
        .call("listOverdueReferrals", overdueRequest(options));
      c.print(ListOverdueReferralsResponse, response, () =>
        response.referrals.length === 0
          ? "(no overdue referrals)"
          : table(
              [
                "referral",
                "target",
                "service",
                "priority",
                "status",
                options.followUp ? "follow-up by" : "respond by",
                "overdue",
                options.followUp ? "assigned" : "re-route asked",
              ],
              response.referrals.map((o) => [
                o.referral?.referralId ?? "-",
                o.referral?.targetOrganisationId ?? "-",
                enumName(ENUMS.serviceType, o.referral?.serviceType),
                enumName(ENUMS.priority, o.referral?.priority),
                enumName(ENUMS.status, o.referral?.status),
                time(options.followUp ? o.referral?.followUpDueAt : o.referral?.respondBy),
                duration(o.overdueSeconds * 1000),
                (options.followUp ? o.referral?.assigned : o.rerouteRequested) ? "yes" : "no",
              ]),
            ),
      );
    });

  coordination
    .command("organisations")
    .description("organisations in the service directory")
    .option("--kind <kinds>", "only these partner kinds", collect)
    .option("--province <p-codes>", "only these provinces", collect)
    .option("--include-inactive", "also inactive organisations")
    .action(
      async (o: { kind?: string[]; province?: string[]; includeInactive?: boolean }, command: Command) => {
        const c = ctx(command);
        const response = await c.gateway.coordination(c.caller(COORDINATOR)).call("listOrganisations", {
          partnerKinds: parseEnumList(ENUMS.partnerKind, o.kind, "--kind"),
          provinceCodes: splitList(o.province),
          includeInactive: o.includeInactive === true,
          page: { pageSize: 500, pageToken: "" },
        });
        c.print(ListOrganisationsResponse, response, () =>
          table(
            ["organisation", "kind", "name", "provinces", "active"],
            response.organisations.map((org) => [
              org.organisationId,
              enumName(ENUMS.partnerKind, org.partnerKind),
              org.name,
              org.locations.map((l) => provinceLabel(l.provinceCode)).join(", ") || "-",
              org.active ? "yes" : "no",
            ]),
          ),
        );
      },
    );

  coordination
    .command("offerings")
    .description("service offerings in the directory")
    .option("--org <orgs>", "only these organisations", collect)
    .option("--service <types>", "only these service types", collect)
    .option("--include-inactive", "also inactive offerings")
    .action(
      async (o: { org?: string[]; service?: string[]; includeInactive?: boolean }, command: Command) => {
        const c = ctx(command);
        const response = await c.gateway.coordination(c.caller(COORDINATOR)).call("listServiceOfferings", {
          organisationIds: splitList(o.org),
          serviceTypes: parseEnumList(ENUMS.serviceType, o.service, "--service"),
          capacityStatuses: [],
          includeInactive: o.includeInactive === true,
          page: { pageSize: 500, pageToken: "" },
        });
        c.print(ListServiceOfferingsResponse, response, () =>
          table(
            [
              "offering",
              "organisation",
              "service",
              "capacity",
              "free/total",
              "provinces",
              "languages",
              "ages",
            ],
            response.serviceOfferings.map((s) => [
              s.serviceOfferingId,
              s.organisationId,
              enumName(ENUMS.serviceType, s.serviceType),
              enumName(ENUMS.capacity, s.capacityStatus) + (s.waitlist ? " (waitlist)" : ""),
              placesText(s),
              s.coverage.map((l) => l.provinceCode).join(",") || "-",
              s.languages.join(",") || "-",
              s.eligibility?.minAge !== undefined || s.eligibility?.maxAge !== undefined
                ? `${s.eligibility?.minAge ?? 0}-${s.eligibility?.maxAge ?? ""}`
                : "all",
            ]),
          ),
        );
      },
    );

  coordination
    .command("capacity <offering-id> <status>")
    .description("set an offering's capacity: available | limited | waitlist | full | suspended")
    .action(async (serviceOfferingId: string, status: string, _o: unknown, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway.coordination(c.caller(COORDINATOR)).call("setCapacityStatus", {
        serviceOfferingId,
        capacityStatus: parseEnum(ENUMS.capacity, status, "capacity status"),
      });
      c.print(
        SetCapacityStatusResponse,
        response,
        () =>
          `Offering ${serviceOfferingId}: ${enumName(ENUMS.capacity, response.serviceOffering?.capacityStatus)}`,
      );
    });

  coordination
    .command("places <offering-id> <total>")
    .description(
      "count an offering's places (caseload, slots): free places then follow acceptances and closures; 'none' stops counting",
    )
    .option("--waitlist", "keep a waitlist when no place is free (WAITLIST instead of FULL)")
    .option("--no-waitlist", "no waitlist: FULL when no place is free")
    .action(async (serviceOfferingId: string, total: string, o: { waitlist?: boolean }, command: Command) => {
      const c = ctx(command);
      const totalPlaces = total === "none" ? undefined : Number(total);
      if (totalPlaces !== undefined && !(Number.isInteger(totalPlaces) && totalPlaces >= 0))
        throw new CliUsageError(`places must be a whole number or 'none', got ${total}`);
      const api = c.gateway.coordination(c.caller(COORDINATOR));
      const listed = await api.call("listServiceOfferings", {
        organisationIds: [],
        serviceTypes: [],
        capacityStatuses: [],
        includeInactive: true,
        page: { pageSize: 500, pageToken: "" },
      });
      const current = listed.serviceOfferings.find((s) => s.serviceOfferingId === serviceOfferingId);
      if (!current) throw new CliUsageError(`no offering ${serviceOfferingId} in the directory`);
      const response = await api.call("upsertServiceOffering", {
        serviceOffering: {
          ...current,
          totalPlaces,
          freePlaces: undefined,
          waitlist: o.waitlist ?? current.waitlist,
        },
      });
      const stored = response.serviceOffering;
      c.print(
        UpsertServiceOfferingResponse,
        response,
        () =>
          `Offering ${serviceOfferingId}: ${placesText(stored)} free, ${enumName(ENUMS.capacity, stored?.capacityStatus)}${stored?.waitlist ? " (waitlist)" : ""}`,
      );
    });
}
