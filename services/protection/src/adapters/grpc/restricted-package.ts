import type { handleUnaryCall, ServerUnaryCall, ServiceError, sendUnaryData } from "@grpc/grpc-js";
import { callerOf } from "@kopru/casework";
import type { DataCategory } from "@kopru/contracts/common/v1/vocabulary";
import type { GetReferralRequest, GetReferralResponse } from "@kopru/contracts/referral/v1/inbox_service";
import { minimiseSections, presentDataCategories } from "@kopru/referral";
import { authenticatedCallContext, type CallContext, type GrpcServiceBinding } from "@kopru/service-kit";
import type { ProtectionDeps } from "../../application/ports.js";
import { maySeeRestrictedData } from "../../application/restricted-data.js";
import { RESTRICTED_DATA_CATEGORIES } from "../../domain/index.js";

const INBOX = "kopru.referral.v1.ReferralInboxService";

/**
 * The shared inbox returns a received referral's whole package to anyone of the organisation. In
 * the protection service the GBV and child-protection sections follow the restricted-case rule: staff
 * without a restricted-case role who are not on the team of a case serving the referral get the
 * package without them, listed in `withheld_data_categories`.
 */
export function withholdRestrictedSections(
  bindings: readonly GrpcServiceBinding[],
  deps: ProtectionDeps,
  hostedOrganisations: readonly string[],
): GrpcServiceBinding[] {
  return bindings.map((binding) => {
    if (binding.name !== INBOX) return binding;
    const original = binding.implementation.getReferral as handleUnaryCall<
      GetReferralRequest,
      GetReferralResponse
    >;
    const getReferral: handleUnaryCall<GetReferralRequest, GetReferralResponse> = (call, callback) => {
      original(call, (error, response) => {
        if (error || !response?.referralPackage) {
          (callback as sendUnaryData<GetReferralResponse>)(error, response);
          return;
        }
        filter(response, authenticatedCallContext(call as ServerUnaryCall<unknown, unknown>)).then(
          (filtered) => callback(null, filtered),
          // Mapped through the error catalogue by the server, like every handler's failure.
          (failure: unknown) => callback(failure as ServiceError),
        );
      });
    };
    const filter = async (
      response: GetReferralResponse,
      context: CallContext,
    ): Promise<GetReferralResponse> => {
      const pkg = response.referralPackage;
      if (!pkg) return response;
      const present = presentDataCategories(pkg);
      const restricted = present.filter((c) => RESTRICTED_DATA_CATEGORIES.includes(c));
      if (restricted.length === 0) return response;
      const caller = callerOf(context, hostedOrganisations);
      if (await maySeeRestrictedData(deps, caller, pkg.referralId)) return response;
      const visible = present.filter((c) => !RESTRICTED_DATA_CATEGORIES.includes(c));
      return {
        ...response,
        referralPackage: minimiseSections(pkg, visible),
        withheldDataCategories: uniqueSorted([...response.withheldDataCategories, ...restricted]),
      };
    };
    return { ...binding, implementation: { ...binding.implementation, getReferral } };
  });
}

function uniqueSorted(categories: DataCategory[]): DataCategory[] {
  return [...new Set(categories)].sort((a, b) => a - b);
}
