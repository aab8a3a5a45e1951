import {
  GetReferralFiguresRequest,
  GetReferralFiguresResponse,
} from "@kopru/contracts/coordination/v1/coordination_service";
import type { RouteModule } from "../server.js";
import { rpcRoute } from "./rpc-route.js";

const IDS = {
  type: "array",
  maxItems: 100,
  items: { type: "string", minLength: 1, maxLength: 200 },
} as const;

interface FiguresQuery {
  requestedFrom?: string;
  requestedBefore?: string;
  targetOrganisationId?: string[];
  referrerOrganisationId?: string[];
  serviceType?: string[];
  provinceCode?: string[];
  priority?: string[];
  sex?: string[];
  ageBand?: string[];
  disabilityStatus?: string[];
  nationality?: string[];
  groupBy?: string[];
}

/**
 * Network figures from coordination's read model: the referral funnel, rates and times, grouped
 * as asked, with small cells withheld. A coordinator sees the whole network; any other caller
 * counts only the referrals its organisation sent or received (coordination decides).
 */
export const coordinationRoutes: RouteModule = ({ schemas, clients }) => [
  rpcRoute(schemas, {
    method: "GET",
    url: "/v1/coordination/figures",
    operationId: "getReferralFigures",
    summary: "Referral funnel figures, grouped by the dimensions asked",
    description:
      "Filters combine; a repeated parameter matches any of its values. `groupBy` (repeatable, in order) " +
      "gives one row per group beside the total; groups smaller than `minCellSize` are withheld. " +
      "`asOf` says how current the figures are.",
    tag: "Coordination",
    scope: "coordination:read",
    querystring: {
      type: "object",
      additionalProperties: false,
      properties: {
        requestedFrom: {
          type: "string",
          format: "date-time",
          description: "Only referrals requested at or after this instant.",
        },
        requestedBefore: {
          type: "string",
          format: "date-time",
          description: "Only referrals requested before this instant.",
        },
        targetOrganisationId: { ...IDS, description: "Only referrals made to these organisations." },
        referrerOrganisationId: { ...IDS, description: "Only referrals made by these organisations." },
        serviceType: { type: "array", items: schemas.enumRef("kopru.common.v1.ServiceType") },
        provinceCode: {
          type: "array",
          maxItems: 100,
          description: "Province of residence (ADM1 p-code, e.g. TR27).",
          items: { type: "string", minLength: 1, maxLength: 20 },
        },
        priority: { type: "array", items: schemas.enumRef("kopru.common.v1.Priority") },
        sex: { type: "array", items: schemas.enumRef("kopru.common.v1.Sex") },
        ageBand: { type: "array", items: schemas.enumRef("kopru.common.v1.AgeBand") },
        disabilityStatus: { type: "array", items: schemas.enumRef("kopru.common.v1.DisabilityStatus") },
        nationality: {
          type: "array",
          maxItems: 250,
          description: "ISO 3166-1 alpha-2.",
          items: { type: "string", pattern: "^[A-Z]{2}$" },
        },
        groupBy: {
          type: "array",
          maxItems: 9,
          items: schemas.enumRef("kopru.coordination.v1.FigureDimension"),
        },
      },
    },
    response: { type: "kopru.coordination.v1.GetReferralFiguresResponse", codec: GetReferralFiguresResponse },
    toRequest: (request) => {
      const query = request.query as FiguresQuery;
      return GetReferralFiguresRequest.fromJSON({
        filter: {
          ...(query.requestedFrom || query.requestedBefore
            ? {
                requested: {
                  ...(query.requestedFrom ? { start: query.requestedFrom } : {}),
                  ...(query.requestedBefore ? { end: query.requestedBefore } : {}),
                },
              }
            : {}),
          targetOrganisationIds: query.targetOrganisationId ?? [],
          referrerOrganisationIds: query.referrerOrganisationId ?? [],
          serviceTypes: query.serviceType ?? [],
          provinceCodes: query.provinceCode ?? [],
          priorities: query.priority ?? [],
          sexes: query.sex ?? [],
          ageBands: query.ageBand ?? [],
          disabilityStatuses: query.disabilityStatus ?? [],
          nationalities: query.nationality ?? [],
        },
        groupBy: query.groupBy ?? [],
      });
    },
    call: (caller, request) => clients.coordination(caller).call("getReferralFigures", request),
  }),
];
