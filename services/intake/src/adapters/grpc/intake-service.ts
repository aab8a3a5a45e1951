import { type IntakeServiceServer, IntakeServiceService } from "@kopru/contracts/intake/v1/intake_service";
import { type CallContext, type GrpcServiceBinding, unary } from "@kopru/service-kit";
import { resolveCaller } from "../../application/caller.js";
import { cancelReferral } from "../../application/cancel-referral.js";
import { checkPossibleDuplicates } from "../../application/check-possible-duplicates.js";
import { createReferral } from "../../application/create-referral.js";
import { exportSubjectAccess, listDisclosures } from "../../application/disclosures.js";
import { getErasureRequest, requestErasure } from "../../application/erasure.js";
import { getBeneficiary } from "../../application/get-beneficiary.js";
import { getReferral } from "../../application/get-referral.js";
import { getReferralTimeline } from "../../application/get-referral-timeline.js";
import { linkPossibleMatch } from "../../application/link-possible-match.js";
import { listReferrals } from "../../application/list-referrals.js";
import type { Caller, IntakeDeps } from "../../application/ports.js";
import { recordConsent } from "../../application/record-consent.js";
import { registerBeneficiary } from "../../application/register-beneficiary.js";
import { routeReferral } from "../../application/reroute-referral.js";
import { screenNeeds } from "../../application/screen-needs.js";
import { suggestTargets } from "../../application/suggest-targets.js";
import { updateContactDetails } from "../../application/update-contact-details.js";
import { withdrawConsent } from "../../application/withdraw-consent.js";
import { checkUpdateContactDetails } from "./contact-validation.js";
import {
  checkBeneficiaryId,
  checkCancelReferral,
  checkCreateReferral,
  checkGetErasureRequest,
  checkLinkPossibleMatch,
  checkListReferrals,
  checkPersonOrReferral,
  checkRecordConsent,
  checkReferralId,
  checkRegisterBeneficiary,
  checkRequestErasure,
  checkRouteReferral,
  checkScreenNeeds,
  checkSuggestTargets,
  checkWithdrawConsent,
} from "./validation.js";

/**
 * IntakeService over gRPC: each call is validated (INVALID_ARGUMENT naming every bad field), the
 * caller's organisation resolved from metadata (it must be one intake serves), then the use case
 * runs. Domain errors reach the caller through the service kit's one error mapper.
 */
export function intakeBinding(deps: IntakeDeps): GrpcServiceBinding {
  function handle<Req, Res>(
    check: (request: Req) => void,
    run: (deps: IntakeDeps, caller: Caller, request: Req) => Promise<Res>,
  ) {
    return unary<Req, Res>(async (request: Req, context: CallContext) => {
      check(request);
      const caller = await resolveCaller(deps, context);
      return run(deps, caller, request);
    });
  }

  const implementation: IntakeServiceServer = {
    registerBeneficiary: handle((r) => checkRegisterBeneficiary(r, deps.clock.now()), registerBeneficiary),
    getBeneficiary: handle(checkBeneficiaryId, getBeneficiary),
    checkPossibleDuplicates: handle(checkBeneficiaryId, checkPossibleDuplicates),
    linkPossibleMatch: handle(checkLinkPossibleMatch, linkPossibleMatch),
    recordConsent: handle(checkRecordConsent, recordConsent),
    withdrawConsent: handle(checkWithdrawConsent, withdrawConsent),
    screenNeeds: handle(checkScreenNeeds, screenNeeds),
    suggestTargets: handle(checkSuggestTargets, suggestTargets),
    createReferral: handle(checkCreateReferral, createReferral),
    routeReferral: handle(checkRouteReferral, routeReferral),
    getReferral: handle(checkReferralId, getReferral),
    listReferrals: handle(checkListReferrals, listReferrals),
    cancelReferral: handle(checkCancelReferral, cancelReferral),
    getReferralTimeline: handle(checkReferralId, getReferralTimeline),
    requestErasure: handle(checkRequestErasure, requestErasure),
    getErasureRequest: handle(checkGetErasureRequest, getErasureRequest),
    updateContactDetails: handle(checkUpdateContactDetails, updateContactDetails),
    listDisclosures: handle(checkPersonOrReferral, listDisclosures),
    exportSubjectAccess: handle(checkPersonOrReferral, exportSubjectAccess),
  };

  return {
    name: "kopru.intake.v1.IntakeService",
    definition: IntakeServiceService,
    implementation: implementation as never,
  };
}
