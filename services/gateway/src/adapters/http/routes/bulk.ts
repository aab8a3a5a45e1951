import type { ServiceError } from "@grpc/grpc-js";
import { BatchCreateReferralsResponse, type BatchItemResult } from "@kopru/contracts/gateway/v1/partner_api";
import { CreateReferralRequest } from "@kopru/contracts/intake/v1/intake_service";
import type { ProblemDetails } from "@kopru/service-kit";
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import {
  CSV_COLUMNS,
  CsvFileError,
  type CsvRow,
  MAX_IMPORT_ROWS,
  MAX_REFERENCE_LENGTH,
  parseReferralCsv,
} from "../../../application/csv-import.js";
import { callerOf, type PartnerCaller } from "../auth.js";
import { gatewayProblem, isServiceError, ProblemError, problemOfServiceError } from "../problems.js";
import { enumNames } from "../proto-schema.js";
import type { HttpContext, RouteModule } from "../server.js";
import { bodyOf } from "./rpc-route.js";
import { batchItemProblem, IDEMPOTENCY_HEADERS, mapBounded, requestIdOf, responses } from "./support.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route reads `text/csv` bodies (as text); every other route refuses them (415). */
    textCsv?: boolean;
  }
}

const G = "kopru.gateway.v1";
const MAX_BATCH = 500;
/** Rows in flight at once: a batch may not take every intake connection from other callers. */
const ROW_CONCURRENCY = 8;

const IDEMPOTENCY_NOTE =
  "Each row is its own referral, de-duplicated on the Idempotency-Key together with the row's " +
  "`clientReference`: the same batch sent again with the same key answers as the first time and " +
  "creates nothing new; a new key is a new batch, so send rows that were created with the same key " +
  "or leave them out. Rows answered 429 or 503 can be sent again in a new batch.";

/** The CSV column a request field came from, for the problems intake gives. */
const COLUMN_OF_FIELD: Record<string, string> = {
  beneficiaryId: "beneficiary_id",
  consentId: "consent_id",
  serviceType: "service_type",
  priority: "priority",
  purpose: "purpose",
  reasonForReferral: "reason_for_referral",
  explicitTarget: "target_organisation_id",
  "explicitTarget.organisationId": "target_organisation_id",
  dataCategories: "data_categories",
};

/** A row to send to intake, or already answered (refused before it reached intake). */
type Row =
  | { clientReference: string; line: number; request: Record<string, unknown> }
  | { clientReference: string; line: number; result: BatchItemResult };

/** Bulk referral creation: a JSON batch and a CSV import, each row created (or refused) on its own. */
export const bulkRoutes: RouteModule = (context) => {
  const { schemas } = context;
  const batchBody = schemas.body(`${G}.BatchCreateReferralsRequest`, { required: ["referrals"] });
  (batchBody.properties as Record<string, Record<string, unknown>>).referrals = {
    ...(batchBody.properties as Record<string, Record<string, unknown>>).referrals,
    minItems: 1,
    maxItems: MAX_BATCH,
  };
  const vocabulary = {
    serviceType: enumNames(schemas.enumType("kopru.common.v1.ServiceType")),
    priority: enumNames(schemas.enumType("kopru.common.v1.Priority")),
    purpose: enumNames(schemas.enumType("kopru.common.v1.Purpose")),
    dataCategory: enumNames(schemas.enumType("kopru.common.v1.DataCategory")),
  };
  const answer = schemas.refTo(`${G}.BatchCreateReferralsResponse`);
  const problems = [400, 401, 403, 413, 415, 422, 429, 503];

  const batch: RouteOptions = {
    method: "POST",
    url: "/v1/referrals::batch",
    config: { scope: "referrals:write", idempotency: "required" },
    schema: {
      operationId: "batchCreateReferrals",
      summary: "Create up to 500 referrals in one request, each on its own",
      description:
        "Each row is created or refused as `POST /v1/referrals` would do it; one row failing never stops " +
        "the others. The answer is 200 with one result per row, in order: `status` 201 and the " +
        "`referralId`, or the row's problem (field names as `referrals[i].referral.…`). A body that does " +
        "not match the schema is refused as a whole (400). " +
        "`clientReference` is the partner's own id for the row, unique in the batch. " +
        IDEMPOTENCY_NOTE,
      tags: ["Referrals"],
      security: [{ oauth2: ["referrals:write"] }],
      body: batchBody,
      headers: IDEMPOTENCY_HEADERS,
      response: responses({ 200: answer }, problems),
    },
    async handler(request: FastifyRequest, reply: FastifyReply) {
      const { referrals } = bodyOf(request) as unknown as {
        referrals: { clientReference?: string; referral?: Record<string, unknown> }[];
      };
      const invalid: { name: string; reason: string }[] = [];
      const seen = new Map<string, number>();
      referrals.forEach((row, i) => {
        const reference = row.clientReference ?? "";
        const name = `referrals[${i}].clientReference`;
        if (reference.trim() === "") invalid.push({ name, reason: "is required" });
        else if (reference.length > MAX_REFERENCE_LENGTH)
          invalid.push({ name, reason: `at most ${MAX_REFERENCE_LENGTH} characters` });
        else if (seen.has(reference))
          invalid.push({ name, reason: `repeats the reference of referrals[${seen.get(reference)}]` });
        else seen.set(reference, i);
        if (row.referral?.requestId !== undefined)
          invalid.push({
            name: `referrals[${i}].referral.requestId`,
            reason: "is set by the API from the Idempotency-Key and clientReference",
          });
      });
      if (invalid.length > 0) {
        throw gatewayProblem(
          "invalid_argument",
          `the batch is invalid: ${invalid.map((p) => p.name).join(", ")}`,
          {
            invalid_params: invalid,
          },
        );
      }
      const rows: Row[] = referrals.map((row) => ({
        clientReference: row.clientReference ?? "",
        line: 0,
        request: row.referral ?? {},
      }));
      const results = await createAll(context, request, rows, (i) => `referrals[${i}].referral.`);
      return reply.code(200).send(BatchCreateReferralsResponse.toJSON({ results }));
    },
  };

  const csvImport: RouteOptions = {
    method: "POST",
    url: "/v1/referrals::import",
    config: { scope: "referrals:write", idempotency: "required", textCsv: true },
    schema: {
      operationId: "importReferrals",
      summary: "Create referrals from a CSV file, one per row",
      description:
        "Send `text/csv` (UTF-8) with a header row naming the columns " +
        `${CSV_COLUMNS.map((c) => `\`${c}\``).join(", ")} — \`client_reference\`, \`beneficiary_id\`, ` +
        "`consent_id`, `service_type` and `target_organisation_id` are required; enum columns take the " +
        "API's enum names (`SERVICE_TYPE_…`, `PRIORITY_…`, `PURPOSE_…`); `data_categories` lists " +
        "`DATA_CATEGORY_…` names separated by `;`. At most " +
        `${MAX_IMPORT_ROWS} rows. The answer has one result per row with its \`line\` in the file; a ` +
        "row's `invalid_params` name its columns. A file that cannot be read as a whole (header, " +
        "quoting, a repeated `client_reference`) is refused with 400. " +
        IDEMPOTENCY_NOTE,
      tags: ["Referrals"],
      security: [{ oauth2: ["referrals:write"] }],
      body: {
        content: {
          "text/csv": {
            schema: { type: "string", description: "The CSV file: a header row, then one referral per row." },
          },
        },
      },
      headers: IDEMPOTENCY_HEADERS,
      response: responses({ 200: answer }, problems),
    },
    async handler(request: FastifyRequest, reply: FastifyReply) {
      if (request.body !== undefined && typeof request.body !== "string")
        throw gatewayProblem("unsupported_media_type", "send the file as text/csv");
      let parsed: CsvRow[];
      try {
        parsed = parseReferralCsv(request.body ?? "", vocabulary);
      } catch (error) {
        if (error instanceof CsvFileError)
          throw gatewayProblem("invalid_argument", error.message, { invalid_params: error.errors });
        throw error;
      }
      const rows: Row[] = parsed.map((row) =>
        "errors" in row
          ? {
              clientReference: row.clientReference,
              line: row.line,
              result: {
                clientReference: row.clientReference,
                line: row.line,
                status: 400,
                problem: batchItemProblem(
                  gatewayProblem(
                    "invalid_argument",
                    `line ${row.line} is invalid: ${row.errors.map((e) => e.name).join(", ")}`,
                    { invalid_params: row.errors },
                  ).problem,
                ),
              },
            }
          : { clientReference: row.clientReference, line: row.line, request: row.referral },
      );
      // Intake names request fields; the caller wrote columns.
      const results = (await createAll(context, request, rows, () => "")).map((result) =>
        result.problem
          ? {
              ...result,
              problem: {
                ...result.problem,
                invalidParams: result.problem.invalidParams.map((p) => ({
                  ...p,
                  name: COLUMN_OF_FIELD[p.name] ?? p.name,
                })),
              },
            }
          : result,
      );
      return reply.code(200).send(BatchCreateReferralsResponse.toJSON({ results }));
    },
  };

  return [batch, csvImport];
};

/**
 * Creates each row at intake, a few at a time, each with a request id derived from the
 * Idempotency-Key and the row's reference: a batch retried with the same key (or run again after
 * a crash) creates each referral once.
 */
async function createAll(
  { clients, logger, config }: HttpContext,
  request: FastifyRequest,
  rows: readonly Row[],
  fieldPrefix: (index: number) => string,
): Promise<BatchItemResult[]> {
  const caller = callerOf(request);
  // The answer must leave before the connection's idle timeout cuts it: rows not started by then
  // are answered 503 (not attempted), to be sent again, rather than the whole batch lost unanswered.
  const deadline = Date.now() + Math.max(1_000, config.REQUEST_TIMEOUT - 5_000);
  const createOne = async (
    who: PartnerCaller,
    row: Extract<Row, { request: unknown }>,
    prefix: string,
  ): Promise<BatchItemResult> => {
    const base = { clientReference: row.clientReference, line: row.line };
    try {
      const response = await clients.intake(who).call("createReferral", {
        ...CreateReferralRequest.fromJSON(row.request),
        requestId: requestIdOf(request, row.clientReference),
      });
      return { ...base, status: 201, referralId: response.referral?.referralId ?? "" };
    } catch (error) {
      let problem: ProblemDetails;
      if (error instanceof ProblemError) problem = error.problem;
      else if (isServiceError(error)) problem = problemOfServiceError(error as ServiceError, prefix);
      else {
        // Name only: an unexpected error's message may carry personal data.
        logger.error({ errorName: (error as Error).name }, "batch row failed unexpectedly");
        problem = gatewayProblem("internal", "internal error").problem;
      }
      return { ...base, status: problem.status, problem: batchItemProblem(problem) };
    }
  };
  return mapBounded(rows, ROW_CONCURRENCY, async (row, i) => {
    if ("result" in row) return row.result;
    if (Date.now() > deadline) {
      const { problem } = gatewayProblem(
        "service_unavailable",
        "the batch ran out of time before this row was attempted; send it again",
      );
      return {
        clientReference: row.clientReference,
        line: row.line,
        status: 503,
        problem: batchItemProblem(problem),
      };
    }
    return createOne(caller, row, fieldPrefix(i));
  });
}
