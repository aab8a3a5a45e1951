import type { UpdateContactDetailsRequest } from "@kopru/contracts/intake/v1/intake_service";
import { ContactMethod, type SafeContactWindow } from "@kopru/contracts/referral/v1/package";
import { safeWindowProblems } from "@kopru/referral/domain";
import { type RequestValidator, validate } from "@kopru/service-kit";

// Request validation for the safe-contact details (ADR 0018), used by RegisterBeneficiary and
// UpdateContactDetails.

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Each safe-contact window: at least one day, hours within one day (minutes 0-1440, end after start). */
export function safeWindows(v: RequestValidator, windows: readonly SafeContactWindow[], field: string) {
  for (const problem of safeWindowProblems(windows, field)) v.fail(problem.field, problem.description);
  return v;
}

export function checkUpdateContactDetails(request: UpdateContactDetailsRequest): void {
  const v = validate()
    .uuid(request.requestId, "request_id")
    .uuid(request.beneficiaryId, "beneficiary_id")
    .maxLength(request.safeTimes, 500, "safe_times")
    .enumValue(request.preferredContactMethod, ContactMethod, "preferred_contact_method", { optional: true })
    .check(
      !request.phoneNumber || E164.test(request.phoneNumber),
      "phone_number",
      "must be in E.164 form, e.g. +905321234567 (empty: no phone)",
    );
  safeWindows(v, request.safeContactWindows, "safe_contact_windows");
  v.done();
}
