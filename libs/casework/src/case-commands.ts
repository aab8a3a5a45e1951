import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { nextPage, readPage } from "@kopru/referral";
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

/**
 * One page of the caller's own cases, as every receiving API's ListCases answers it: the organisation
 * asked for must be the caller's, `list` reads the page the request asks for, and the answer carries
 * the next page's token.
 */
export async function ownCasePage<Case>(
  caller: Caller,
  request: { organisationId: string; page?: Parameters<typeof readPage>[0] },
  list: (page: { limit: number; offset: number }) => Promise<Case[]>,
): Promise<{ cases: Case[]; page: ReturnType<typeof nextPage> }> {
  ownOrganisation(caller, request.organisationId);
  const page = readPage(request.page);
  const cases = await list(page);
  return { cases, page: nextPage(cases.length, page) };
}

/** What every receiving API's ListCases filters on, and the page it reads. */
export interface CaseListFilter {
  statuses: number[];
  assignedCaseworkerId: string | undefined;
  limit: number;
  offset: number;
}

interface ListCasesRequest {
  organisationId: string;
  statuses: number[];
  assignedCaseworkerId?: string | undefined;
  page?: Parameters<typeof readPage>[0];
}

/**
 * The ListCases handler of every receiving API: the organisation (the caller's own), statuses and
 * assigned caseworker checked, with the service's own filters (`check`), then one page of the
 * service's cases (`list`) answered through `respond` with the next page's token.
 */
export function listCasesHandler<Request extends ListCasesRequest, Case, Res>(
  hosted: readonly string[],
  spec: {
    /** Longest assigned caseworker id the service stores. */
    refMax?: number;
    check?: (v: RequestValidator, request: Request) => RequestValidator;
    list: (caller: Caller, filter: CaseListFilter, request: Request) => Promise<Case[]>;
    respond: (cases: Case[], page: ReturnType<typeof nextPage>) => Res;
  },
): ReturnType<typeof unary<Request, Res>> {
  return unary<Request, Res>(async (request, context) => {
    const v = validate()
      .organisationId(request.organisationId, "organisation_id")
      .enumList(request.statuses, CaseStatus, "statuses")
      .maxLength(request.assignedCaseworkerId, spec.refMax ?? REF_MAX, "assigned_caseworker_id");
    (spec.check?.(v, request) ?? v).done();
    const caller = callerOf(context, hosted);
    const filter = {
      statuses: request.statuses,
      assignedCaseworkerId: request.assignedCaseworkerId || undefined,
    };
    const { cases, page } = await ownCasePage(caller, request, (range) =>
      spec.list(caller, { ...filter, ...range }, request),
    );
    return spec.respond(cases, page);
  });
}

/**
 * The handlers every receiving API has alike, for the organisations this process hosts: OpenCase
 * (`checkOpenCase` plus the service's own fields, the caller's own organisation), GetCase, ListCases
 * (`listCasesHandler`) and CloseCase (`closeCaseHandler`). Each takes the service's use case and how
 * it answers.
 */
export function caseHandlers(hosted: readonly string[]) {
  return {
    openCase<Request extends OpenCaseRequest, Opened, Res>(spec: {
      check?: (v: RequestValidator, request: Request) => RequestValidator;
      open: (caller: Caller, input: ReturnType<typeof openCaseInput>, request: Request) => Promise<Opened>;
      respond: (opened: Opened) => Res;
    }): ReturnType<typeof unary<Request, Res>> {
      return unary<Request, Res>(async (request, context) => {
        const v = checkOpenCase(request);
        (spec.check?.(v, request) ?? v).done();
        const caller = callerOf(context, hosted);
        ownOrganisation(caller, request.organisationId);
        return spec.respond(await spec.open(caller, openCaseInput(request), request));
      });
    },
    getCase<Details, Res>(
      get: (caller: Caller, caseId: string) => Promise<Details>,
      respond: (details: Details) => Res,
    ): ReturnType<typeof unary<{ caseId: string }, Res>> {
      return unary<{ caseId: string }, Res>(async (request, context) => {
        validate().uuid(request.caseId, "case_id").done();
        return respond(await get(callerOf(context, hosted), request.caseId));
      });
    },
    listCases: <Request extends ListCasesRequest, Case, Res>(
      spec: Parameters<typeof listCasesHandler<Request, Case, Res>>[1],
    ): ReturnType<typeof unary<Request, Res>> => listCasesHandler<Request, Case, Res>(hosted, spec),
    closeCase: <Closed, Res>(
      close: (caller: Caller, input: ReturnType<typeof closeCaseInput>) => Promise<Closed>,
      respond: (closed: Closed) => Res,
    ): ReturnType<typeof unary<CloseCaseRequest, Res>> => closeCaseHandler(hosted, close, respond),
  };
}
