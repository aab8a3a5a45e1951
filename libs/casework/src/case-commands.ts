import { CaseClosureReason } from "@kopru/contracts/common/v1/case";
import {
  type GrpcServiceBinding,
  NotFoundError,
  type RequestValidator,
  unary,
  validate,
} from "@kopru/service-kit";
import { type Caller, callerOf } from "./caller.js";

/** Longest staff id or person reference a receiving service stores. */
export const REF_MAX = 200;
/** Longest internal note (kept by the service, never sent). */
export const NOTE_MAX = 2000;

/** The organisation named in a request must be the caller's; any other answers as unknown. */
export function ownOrganisation(caller: Caller, organisationId: string): void {
  if (organisationId !== caller.organisationId) throw new NotFoundError("organisation", organisationId);
}

interface OpenCaseRequest {
  requestId: string;
  organisationId: string;
  referralId?: string | undefined;
  beneficiaryRef?: string | undefined;
  assignedCaseworkerId?: string | undefined;
}

/**
 * The checks of an OpenCase request every receiving service makes (a service adds its own fields
 * before `done()`): a request id, the organisation, a referral or a person, lengths.
 */
export function checkOpenCase(request: OpenCaseRequest): RequestValidator {
  return validate()
    .uuid(request.requestId, "request_id")
    .organisationId(request.organisationId, "organisation_id")
    .uuid(request.referralId, "referral_id", { optional: true })
    .check(
      Boolean(request.referralId) || Boolean(request.beneficiaryRef?.trim()),
      "beneficiary_ref",
      "is required when there is no referral_id",
    )
    .maxLength(request.beneficiaryRef, REF_MAX, "beneficiary_ref")
    .maxLength(request.assignedCaseworkerId, REF_MAX, "assigned_caseworker_id");
}

/** An OpenCase request as the use case takes it: empty strings are absent. */
export function openCaseInput<R extends OpenCaseRequest>(request: R) {
  return {
    requestId: request.requestId,
    organisationId: request.organisationId,
    referralId: request.referralId || undefined,
    beneficiaryRef: request.beneficiaryRef?.trim() || undefined,
    assignedCaseworkerId: request.assignedCaseworkerId || undefined,
  };
}

/** CloseCase as every receiving service takes it: the case, a closure reason, an optional internal note. */
export function closeCaseInput(request: {
  caseId: string;
  reason: CaseClosureReason;
  internalNote?: string | undefined;
}): { caseId: string; reason: CaseClosureReason; internalNote: string | undefined } {
  validate()
    .uuid(request.caseId, "case_id")
    .enumValue(request.reason, CaseClosureReason, "reason")
    .maxLength(request.internalNote, NOTE_MAX, "internal_note")
    .done();
  return {
    caseId: request.caseId,
    reason: request.reason,
    internalNote: request.internalNote?.trim() || undefined,
  };
}

type CloseCaseRequest = Parameters<typeof closeCaseInput>[0];

/**
 * The CloseCase handler of every receiving API: the request checked by `closeCaseInput`, the case
 * closed by the service's use case for the caller, the closed case answered through `respond`.
 */
export function closeCaseHandler<Closed, Res>(
  hosted: readonly string[],
  close: (caller: Caller, input: ReturnType<typeof closeCaseInput>) => Promise<Closed>,
  respond: (closed: Closed) => Res,
): ReturnType<typeof unary<CloseCaseRequest, Res>> {
  return unary<CloseCaseRequest, Res>(async (request, context) =>
    respond(await close(callerOf(context, hosted), closeCaseInput(request))),
  );
}

/** A receiving service's case API as service-kit serves it; `implementation` is the generated server type. */
export function caseApiBinding<Server extends object>(
  name: string,
  definition: GrpcServiceBinding["definition"],
  implementation: Server,
): GrpcServiceBinding {
  return { name, definition, implementation: implementation as never };
}
