import type { KeyedHash } from "@kopru/contracts/matching/v1/matching";
import {
  type MatchingServiceServer,
  MatchingServiceService,
} from "@kopru/contracts/matching/v1/matching_service";
import { keyKindOfContract } from "@kopru/matching-keys";
import {
  type CallContext,
  type FieldViolation,
  type GrpcServiceBinding,
  InvalidArgumentError,
  unary,
} from "@kopru/service-kit";
import { findMatches } from "../../application/find-record-matches.js";
import { linkMatch, listMatchLinks } from "../../application/links.js";
import type { MatchingDeps, RecordKey, StoredHash } from "../../application/ports.js";
import { registerRecord } from "../../application/register-record.js";
import { removeRecord } from "../../application/remove-record.js";
import { actingOrganisation } from "../../domain/organisation.js";

export const MATCHING_SERVICE_NAME = "kopru.matching.v1.MatchingService";

/** Opaque references: a record's, a consent's. Short, and nothing a name could be written in. */
const REF = /^[A-Za-z0-9_-]{1,64}$/;
/** HMAC-SHA256, base64url without padding. */
const HASH = /^[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_HASHES = 500;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const PAGE_TOKEN = /^[0-9a-z]{1,10}$/;

function check(violations: FieldViolation[]): void {
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}

function refViolations(field: string, value: string): FieldViolation[] {
  return REF.test(value) ? [] : [{ field, description: "must be 1–64 of A-Z a-z 0-9 _ -" }];
}

function hashesOf(hashes: readonly KeyedHash[]): StoredHash[] {
  const violations: FieldViolation[] = [];
  if (hashes.length === 0 || hashes.length > MAX_HASHES)
    violations.push({ field: "hashes", description: `must hold 1–${MAX_HASHES} keyed hashes` });
  hashes.forEach((h, i) => {
    if (!keyKindOfContract(h.kind))
      violations.push({ field: `hashes[${i}].kind`, description: "is not a known key kind" });
    if (!HASH.test(h.hash))
      violations.push({
        field: `hashes[${i}].hash`,
        description: "must be a base64url HMAC-SHA256 (43 characters)",
      });
  });
  check(violations);
  return hashes.map((h) => ({ kind: h.kind, hash: h.hash }));
}

/** MatchingService over gRPC: every call acts on the records of one organisation (see actingOrganisation). */
export function matchingBinding(deps: MatchingDeps, registrarClients: readonly string[]): GrpcServiceBinding {
  const recordOf = (
    context: CallContext,
    request: { organisationId: string; recordRef: string },
  ): RecordKey => {
    check(refViolations("record_ref", request.recordRef));
    return {
      organisationId: actingOrganisation(context, request.organisationId, registrarClients),
      recordRef: request.recordRef,
    };
  };
  const implementation: MatchingServiceServer = {
    registerRecord: unary(async (request, context) => {
      const record = recordOf(context, request);
      return registerRecord(deps, record, hashesOf(request.hashes));
    }),
    findMatches: unary(async (request, context) => findMatches(deps, recordOf(context, request))),
    removeRecord: unary(async (request, context) => removeRecord(deps, recordOf(context, request))),
    linkMatch: unary(async (request, context) => {
      check([
        ...(UUID.test(request.matchId) ? [] : [{ field: "match_id", description: "is not a UUID" }]),
        ...refViolations("consent_id", request.consentId),
      ]);
      const organisationId = actingOrganisation(context, request.organisationId, registrarClients);
      return linkMatch(deps, organisationId, request);
    }),
    listMatchLinks: unary(async (request, context) => {
      if (request.recordRef !== undefined) check(refViolations("record_ref", request.recordRef));
      const token = request.page?.pageToken ?? "";
      if (token !== "" && !PAGE_TOKEN.test(token))
        check([{ field: "page.page_token", description: "is not a page token this service gave out" }]);
      const organisationId = actingOrganisation(context, request.organisationId, registrarClients);
      const limit = Math.min(MAX_PAGE, request.page?.pageSize || DEFAULT_PAGE);
      const offset = token === "" ? 0 : Number.parseInt(token, 36);
      const { links } = await listMatchLinks(deps, {
        organisationId,
        recordRef: request.recordRef,
        limit,
        offset,
      });
      return { links, page: { nextPageToken: links.length === limit ? (offset + limit).toString(36) : "" } };
    }),
  };
  return { name: MATCHING_SERVICE_NAME, definition: MatchingServiceService, implementation };
}
