import { PartnerKind, Priority, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  type CoordinationServiceServer,
  CoordinationServiceService,
} from "@kopru/contracts/coordination/v1/coordination_service";
import { CapacityStatus } from "@kopru/contracts/coordination/v1/directory";
import { FigureDimension, type FigureFilter, ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import { readPage } from "@kopru/referral";
import {
  type CallContext,
  type GrpcServiceBinding,
  PermissionDeniedError,
  unary,
  validate,
} from "@kopru/service-kit";
import type { CoordinationDeps } from "../../application/deps.js";
import { getReferralFigures } from "../../application/get-referral-figures.js";
import { getReferralTimeline } from "../../application/get-referral-timeline.js";
import { listErasureRequests } from "../../application/list-erasure-requests.js";
import { listOrganisations } from "../../application/list-organisations.js";
import { listOverdueReferrals } from "../../application/list-overdue-referrals.js";
import { listServiceOfferings } from "../../application/list-service-offerings.js";
import type { FigureColumn, TrackingFilter } from "../../application/ports.js";
import { removeServiceOffering } from "../../application/remove-service-offering.js";
import { requestReRoute } from "../../application/request-reroute.js";
import { searchServices } from "../../application/search-services.js";
import { setCapacityStatus } from "../../application/set-capacity-status.js";
import { upsertOrganisation } from "../../application/upsert-organisation.js";
import { upsertServiceOffering } from "../../application/upsert-service-offering.js";
import { type Access, accessFor } from "../../domain/access.js";
import * as check from "./validation.js";
import { pageResponse, trackedReferralView } from "./views.js";

export const COORDINATION_SERVICE_NAME = "kopru.coordination.v1.CoordinationService";

const COLUMN_OF: Readonly<Record<number, FigureColumn>> = {
  [FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION]: "target_organisation_id",
  [FigureDimension.FIGURE_DIMENSION_REFERRER_ORGANISATION]: "referrer_organisation_id",
  [FigureDimension.FIGURE_DIMENSION_SERVICE_TYPE]: "service_type",
  [FigureDimension.FIGURE_DIMENSION_PROVINCE]: "province_code",
  [FigureDimension.FIGURE_DIMENSION_PRIORITY]: "priority",
  [FigureDimension.FIGURE_DIMENSION_SEX]: "sex",
  [FigureDimension.FIGURE_DIMENSION_AGE_BAND]: "age_band",
  [FigureDimension.FIGURE_DIMENSION_DISABILITY_STATUS]: "disability_status",
  [FigureDimension.FIGURE_DIMENSION_NATIONALITY]: "nationality",
};

/** The caller as its token names it; tracking and directory writes need an organisation. */
function accessOf(context: CallContext): Access {
  if (!context.organisationId) {
    throw new PermissionDeniedError("the caller's token names no organisation");
  }
  return accessFor(context.organisationId, context.roles, context.kind);
}

function trackingFilter(filter: FigureFilter | undefined): TrackingFilter {
  return {
    requestedFrom: filter?.requested?.start,
    requestedBefore: filter?.requested?.end,
    targetOrganisationIds: filter?.targetOrganisationIds ?? [],
    referrerOrganisationIds: filter?.referrerOrganisationIds ?? [],
    serviceTypes: filter?.serviceTypes ?? [],
    provinceCodes: filter?.provinceCodes ?? [],
    priorities: filter?.priorities ?? [],
    sexes: filter?.sexes ?? [],
    ageBands: filter?.ageBands ?? [],
    disabilityStatuses: filter?.disabilityStatuses ?? [],
    nationalities: filter?.nationalities ?? [],
  };
}

/**
 * CoordinationService over gRPC: each handler validates the request (every bad field named),
 * runs one use case and shapes the response. Errors become statuses through the service's error catalogue.
 */
export function coordinationBinding(deps: CoordinationDeps): GrpcServiceBinding {
  const implementation: CoordinationServiceServer = {
    // ------------------------------------------------------------ directory commands
    upsertOrganisation: unary(async (request, context) => {
      const input = check.present(request.organisation, "organisation", check.organisation);
      const organisation = await upsertOrganisation(deps, input, accessOf(context));
      return { organisation };
    }),

    upsertServiceOffering: unary(async (request, context) => {
      const input = check.present(request.serviceOffering, "service_offering", check.serviceOffering);
      const serviceOffering = await upsertServiceOffering(deps, input, accessOf(context));
      return { serviceOffering };
    }),

    setCapacityStatus: unary(async (request, context) => {
      const v = validate();
      check.directoryId(v, request.serviceOfferingId, "service_offering_id");
      v.enumValue(request.capacityStatus, CapacityStatus, "capacity_status").done();
      const serviceOffering = await setCapacityStatus(deps, request, accessOf(context));
      return { serviceOffering };
    }),

    removeServiceOffering: unary(async (request, context) => {
      check.directoryId(validate(), request.serviceOfferingId, "service_offering_id").done();
      const removedAt = await removeServiceOffering(deps, request, accessOf(context));
      return { removedAt };
    }),

    // ------------------------------------------------------------ directory queries
    listOrganisations: unary(async (request) => {
      const v = validate().enumList(request.partnerKinds, PartnerKind, "partner_kinds");
      check.provinceCodes(v, request.provinceCodes, "province_codes");
      check.page(v, request.page, "page").done();
      const found = await listOrganisations(
        deps,
        {
          partnerKinds: request.partnerKinds,
          provinceCodes: request.provinceCodes,
          includeInactive: request.includeInactive,
        },
        request.page,
      );
      return { organisations: found.items, page: pageResponse(found, readPage(request.page)) };
    }),

    listServiceOfferings: unary(async (request) => {
      const v = validate();
      check.organisationIds(v, request.organisationIds, "organisation_ids");
      v.enumList(request.serviceTypes, ServiceType, "service_types");
      v.enumList(request.capacityStatuses, CapacityStatus, "capacity_statuses");
      check.page(v, request.page, "page").done();
      const found = await listServiceOfferings(
        deps,
        {
          organisationIds: request.organisationIds,
          serviceTypes: request.serviceTypes,
          capacityStatuses: request.capacityStatuses,
          includeInactive: request.includeInactive,
        },
        request.page,
      );
      return { serviceOfferings: found.items, page: pageResponse(found, readPage(request.page)) };
    }),

    searchServices: unary(async (request) => {
      check.searchCriteria(validate(), request).done();
      const matches = await searchServices(deps, {
        serviceType: request.serviceType,
        provinceCode: request.provinceCode,
        districtCode: request.districtCode || undefined,
        language: request.language || undefined,
        age: request.age,
        sex: request.sex || undefined,
        nationality: request.nationality || undefined,
        legalStatus: request.legalStatus || undefined,
        includeUnavailable: request.includeUnavailable,
        limit: request.limit || 20,
      });
      return { matches };
    }),

    // ------------------------------------------------------------ tracking queries
    getReferralTimeline: unary(async (request, context) => {
      validate().uuid(request.referralId, "referral_id").done();
      const timeline = await getReferralTimeline(deps, request, accessOf(context));
      return {
        referrals: timeline.referrals.map(trackedReferralView),
        transitions: timeline.transitions.map((t) => t.transition),
      };
    }),

    getReferralFigures: unary(async (request, context) => {
      const v = validate();
      check.figureFilter(v, request.filter, "filter");
      check.groupBy(v, request.groupBy, "group_by").done();
      const figures = await getReferralFigures(
        deps,
        {
          filter: trackingFilter(request.filter),
          groupBy: request.groupBy.map((dimension) => COLUMN_OF[dimension] as FigureColumn),
        },
        accessOf(context),
      );
      return {
        rows: figures.rows,
        total: figures.total,
        minCellSize: figures.minCellSize,
        asOf: figures.asOf,
      };
    }),

    listOverdueReferrals: unary(async (request, context) => {
      const v = validate();
      check.organisationIds(v, request.targetOrganisationIds, "target_organisation_ids");
      check.organisationIds(v, request.referrerOrganisationIds, "referrer_organisation_ids");
      v.enumList(request.serviceTypes, ServiceType, "service_types");
      v.enumList(request.priorities, Priority, "priorities");
      check.provinceCodes(v, request.provinceCodes, "province_codes");
      check.page(v, request.page, "page").done();
      const found = await listOverdueReferrals(
        deps,
        {
          filter: trackingFilter({
            targetOrganisationIds: request.targetOrganisationIds,
            referrerOrganisationIds: request.referrerOrganisationIds,
            serviceTypes: request.serviceTypes,
            priorities: request.priorities,
            provinceCodes: request.provinceCodes,
            sexes: [],
            ageBands: [],
            disabilityStatuses: [],
            nationalities: [],
          }),
          includeExpired: request.includeExpired,
          followUp: request.followUp ?? false,
          page: request.page,
        },
        accessOf(context),
      );
      return {
        referrals: found.items.map((entry) => ({
          referral: trackedReferralView(entry.referral),
          overdueSeconds: entry.overdueSeconds,
          rerouteRequested: entry.referral.rerouteRequestedAt !== undefined,
        })),
        page: pageResponse(found, { limit: found.limit, offset: found.offset }),
      };
    }),

    listErasureRequests: unary(async (request, context) => {
      check.page(validate(), request.page, "page").done();
      const found = await listErasureRequests(
        deps,
        { overdueOnly: request.overdueOnly, includeCompleted: request.includeCompleted, page: request.page },
        accessOf(context),
      );
      return {
        erasureRequests: found.items,
        page: pageResponse(found, { limit: found.limit, offset: found.offset }),
      };
    }),

    // ------------------------------------------------------------ tracking commands
    requestReRoute: unary(async (request, context) => {
      const v = validate().uuid(request.referralId, "referral_id");
      v.enumValue(request.reason, ReRouteReason, "reason");
      if (request.suggestedServiceOfferingId !== undefined) {
        check.directoryId(v, request.suggestedServiceOfferingId, "suggested_service_offering_id");
      }
      check.organisationIds(v, request.excludedOrganisationIds, "excluded_organisation_ids").done();
      const requestedAt = await requestReRoute(
        deps,
        {
          referralId: request.referralId,
          reason: request.reason,
          suggestedServiceOfferingId: request.suggestedServiceOfferingId || undefined,
          excludedOrganisationIds: request.excludedOrganisationIds,
        },
        accessOf(context),
      );
      return { requestedAt };
    }),
  };

  return { name: COORDINATION_SERVICE_NAME, definition: CoordinationServiceService, implementation };
}
