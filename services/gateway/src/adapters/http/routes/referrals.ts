import {
  CancelReferralRequest,
  CancelReferralResponse,
  CreateReferralRequest,
  CreateReferralResponse,
  GetBeneficiaryResponse,
  GetReferralResponse,
  GetReferralTimelineResponse,
  ListReferralsRequest,
  ListReferralsResponse,
  RecordConsentRequest,
  RecordConsentResponse,
  RegisterBeneficiaryRequest,
  RegisterBeneficiaryResponse,
  ScreenNeedsRequest,
  ScreenNeedsResponse,
  SuggestTargetsRequest,
  SuggestTargetsResponse,
  WithdrawConsentRequest,
  WithdrawConsentResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import type { RouteModule } from "../server.js";
import { bodyOf, rpcRoute } from "./rpc-route.js";
import {
  expectedSequence,
  idParams,
  REFERRAL_ID_PARAMS,
  type ReferralListQuery,
  referralFilterQuery,
  referralListFilters,
  requestIdOf,
  SYNC_PAGE_QUERY,
} from "./support.js";

const I = "kopru.intake.v1";

type Params<K extends string> = Record<K, string>;

/**
 * The referrer's side, at intake: people, their consent and screening, target suggestions, and the
 * referrals the organisation makes, with their timelines.
 */
export const referralRoutes: RouteModule = ({ schemas, clients }) => [
  rpcRoute(schemas, {
    method: "POST",
    url: "/v1/beneficiaries",
    operationId: "registerBeneficiary",
    summary: "Register a person with the organisation",
    description: "The person's record stays at intake, with the organisation that registered them.",
    tag: "Beneficiaries",
    scope: "beneficiaries:write",
    body: { type: `${I}.RegisterBeneficiaryRequest`, omit: ["request_id", "organisation_id"] },
    response: { type: `${I}.RegisterBeneficiaryResponse`, codec: RegisterBeneficiaryResponse, status: 201 },
    toRequest: (request, caller) => ({
      ...RegisterBeneficiaryRequest.fromJSON(bodyOf(request)),
      requestId: requestIdOf(request),
      organisationId: caller.organisationId,
    }),
    call: (caller, request) => clients.intake(caller).call("registerBeneficiary", request),
    location: (response) =>
      response.beneficiary ? `/v1/beneficiaries/${response.beneficiary.beneficiaryId}` : undefined,
  }),
  rpcRoute(schemas, {
    method: "GET",
    url: "/v1/beneficiaries/:beneficiaryId",
    operationId: "getBeneficiary",
    summary: "Get a person registered by the organisation, with their consents and latest screening",
    tag: "Beneficiaries",
    scope: "beneficiaries:write",
    params: idParams("beneficiaryId", "The person's id at intake."),
    response: { type: `${I}.GetBeneficiaryResponse`, codec: GetBeneficiaryResponse },
    toRequest: (request) => ({ beneficiaryId: (request.params as Params<"beneficiaryId">).beneficiaryId }),
    call: (caller, request) => clients.intake(caller).call("getBeneficiary", request),
  }),
  rpcRoute(schemas, {
    method: "POST",
    url: "/v1/beneficiaries/:beneficiaryId/consents",
    operationId: "recordConsent",
    summary: "Record the person's informed consent to share named data with named partners",
    tag: "Consent",
    scope: "beneficiaries:write",
    params: idParams("beneficiaryId", "The person's id at intake."),
    body: { type: `${I}.RecordConsentRequest`, omit: ["request_id", "beneficiary_id"] },
    response: { type: `${I}.RecordConsentResponse`, codec: RecordConsentResponse, status: 201 },
    toRequest: (request) => ({
      ...RecordConsentRequest.fromJSON(bodyOf(request)),
      requestId: requestIdOf(request),
      beneficiaryId: (request.params as Params<"beneficiaryId">).beneficiaryId,
    }),
    call: (caller, request) => clients.intake(caller).call("recordConsent", request),
  }),
  rpcRoute(schemas, {
    method: "POST",
    url: "/v1/consents/:consentId/withdraw",
    operationId: "withdrawConsent",
    summary: "Withdraw a consent; every partner holding data under it is told",
    tag: "Consent",
    scope: "beneficiaries:write",
    params: idParams("consentId", "The consent's id."),
    body: { type: `${I}.WithdrawConsentRequest`, omit: ["consent_id"] },
    response: { type: `${I}.WithdrawConsentResponse`, codec: WithdrawConsentResponse },
    toRequest: (request) => ({
      ...WithdrawConsentRequest.fromJSON(bodyOf(request)),
      consentId: (request.params as Params<"consentId">).consentId,
    }),
    call: (caller, request) => clients.intake(caller).call("withdrawConsent", request),
  }),
  rpcRoute(schemas, {
    method: "POST",
    url: "/v1/beneficiaries/:beneficiaryId/screenings",
    operationId: "screenNeeds",
    summary: "Record a needs screening of the person",
    tag: "Beneficiaries",
    scope: "beneficiaries:write",
    params: idParams("beneficiaryId", "The person's id at intake."),
    body: { type: `${I}.ScreenNeedsRequest`, omit: ["request_id", "beneficiary_id"] },
    response: { type: `${I}.ScreenNeedsResponse`, codec: ScreenNeedsResponse, status: 201 },
    toRequest: (request) => ({
      ...ScreenNeedsRequest.fromJSON(bodyOf(request)),
      requestId: requestIdOf(request),
      beneficiaryId: (request.params as Params<"beneficiaryId">).beneficiaryId,
    }),
    call: (caller, request) => clients.intake(caller).call("screenNeeds", request),
  }),
  rpcRoute(schemas, {
    method: "POST",
    url: "/v1/target-suggestions",
    operationId: "suggestTargets",
    summary: "Rank the partners that could take a referral, with the reasons for each",
    description: "Changes nothing, so an Idempotency-Key is accepted but not required.",
    tag: "Referrals",
    scope: "referrals:write",
    idempotency: "optional",
    body: { type: `${I}.SuggestTargetsRequest` },
    response: { type: `${I}.SuggestTargetsResponse`, codec: SuggestTargetsResponse },
    toRequest: (request) => SuggestTargetsRequest.fromJSON(bodyOf(request)),
    call: (caller, request) => clients.intake(caller).call("suggestTargets", request),
  }),
  rpcRoute(schemas, {
    method: "POST",
    url: "/v1/referrals",
    operationId: "createReferral",
    summary: "Refer a person to a partner's service, under their consent",
    description:
      "Name a target (`explicitTarget`) or give `routingCriteria` for intake to pick the best. Only the " +
      "consented, minimum-necessary package travels to the target.",
    tag: "Referrals",
    scope: "referrals:write",
    body: { type: `${I}.CreateReferralRequest`, omit: ["request_id"] },
    response: { type: `${I}.CreateReferralResponse`, codec: CreateReferralResponse, status: 201 },
    toRequest: (request) => ({
      ...CreateReferralRequest.fromJSON(bodyOf(request)),
      requestId: requestIdOf(request),
    }),
    call: (caller, request) => clients.intake(caller).call("createReferral", request),
    etag: (response) => response.referral?.sequence,
    location: (response) => (response.referral ? `/v1/referrals/${response.referral.referralId}` : undefined),
  }),
  rpcRoute(schemas, {
    method: "GET",
    url: "/v1/referrals",
    operationId: "listReferrals",
    summary: "List the referrals the organisation made",
    description:
      "Filters combine. With `updatedSince` the list runs oldest change first, so a partner system can " +
      "sync by remembering the last `updatedAt` it saw; otherwise newest request first. Follow " +
      "`page.nextPageToken` until it is empty.",
    tag: "Referrals",
    scope: "referrals:read",
    querystring: {
      type: "object",
      additionalProperties: false,
      properties: {
        ...referralFilterQuery(schemas),
        beneficiaryId: { type: "string", maxLength: 200 },
        ...SYNC_PAGE_QUERY,
      },
    },
    response: { type: `${I}.ListReferralsResponse`, codec: ListReferralsResponse },
    toRequest: (request, caller) => {
      const query = request.query as ReferralListQuery & { beneficiaryId?: string };
      return ListReferralsRequest.fromJSON({
        referrerOrganisationId: caller.organisationId,
        ...referralListFilters(query),
        ...(query.beneficiaryId ? { beneficiaryId: query.beneficiaryId } : {}),
      });
    },
    call: (caller, request) => clients.intake(caller).call("listReferrals", request),
  }),
  rpcRoute(schemas, {
    method: "GET",
    url: "/v1/referrals/:referralId",
    operationId: "getReferral",
    summary: "Get a referral the organisation made, with the package it sent",
    description: "The ETag is the referral's sequence; send it as If-Match to change the referral.",
    tag: "Referrals",
    scope: "referrals:read",
    params: REFERRAL_ID_PARAMS,
    response: { type: `${I}.GetReferralResponse`, codec: GetReferralResponse },
    toRequest: (request) => ({ referralId: (request.params as Params<"referralId">).referralId }),
    call: (caller, request) => clients.intake(caller).call("getReferral", request),
    etag: (response) => response.referral?.sequence,
  }),
  rpcRoute(schemas, {
    method: "GET",
    url: "/v1/referrals/:referralId/timeline",
    operationId: "getReferralTimeline",
    summary: "The referral's chain (redirects, onward referrals) and every transition, oldest first",
    tag: "Referrals",
    scope: "referrals:read",
    params: REFERRAL_ID_PARAMS,
    querystring: {
      type: "object",
      additionalProperties: false,
      properties: {
        includeChain: {
          type: "boolean",
          description: "Also the transitions of the referrals it led to and came from (default true).",
        },
      },
    },
    response: { type: `${I}.GetReferralTimelineResponse`, codec: GetReferralTimelineResponse },
    toRequest: (request) => ({
      referralId: (request.params as Params<"referralId">).referralId,
      includeChain: (request.query as { includeChain?: boolean }).includeChain ?? true,
    }),
    call: (caller, request) => clients.intake(caller).call("getReferralTimeline", request),
  }),
  rpcRoute(schemas, {
    method: "POST",
    url: "/v1/referrals/:referralId/cancel",
    operationId: "cancelReferral",
    summary: "Withdraw a referral the organisation made",
    tag: "Referrals",
    scope: "referrals:write",
    params: REFERRAL_ID_PARAMS,
    ifMatch: true,
    body: {
      type: `${I}.CancelReferralRequest`,
      omit: ["referral_id", "expected_sequence"],
      required: ["reason"],
    },
    response: { type: `${I}.CancelReferralResponse`, codec: CancelReferralResponse },
    toRequest: (request) => ({
      ...CancelReferralRequest.fromJSON(bodyOf(request)),
      referralId: (request.params as Params<"referralId">).referralId,
      expectedSequence: expectedSequence(request),
    }),
    call: (caller, request) => clients.intake(caller).call("cancelReferral", request),
    etag: (response) => response.referral?.sequence,
  }),
];
