import { claimRequestId, InvalidArgumentError, requestFingerprint } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";

export interface RequestClaim {
  organisationId: string;
  requestId: string;
  /** The command, e.g. `open-case`: a request id belongs to one. */
  operation: string;
  /** The request as received: a retry must repeat it. */
  request: unknown;
  /** What this request will create, should it be the first. */
  entityId: string;
}

/**
 * Claims a request id for a create-type command, in the command's transaction. Returns undefined when
 * this is the first request with the id (the claim commits with what it creates), or the id of what the
 * earlier request created (the caller returns that and changes nothing). A request id reused for
 * another command or another request is refused as INVALID_ARGUMENT on `request_id`. A concurrent
 * twin waits on the key until the first commits or rolls back.
 */
export async function claimRequest(sql: Sql, claim: RequestClaim): Promise<string | undefined> {
  const fingerprint = requestFingerprint(claim.request);
  const earlier = await claimRequestId<{ operation: string; fingerprint: string | null; entity_id: string }>(
    sql,
    "casework_requests",
    {
      organisationId: claim.organisationId,
      requestId: claim.requestId,
      values: { operation: claim.operation, fingerprint, entity_id: claim.entityId },
    },
    ["operation", "fingerprint", "entity_id"],
  );
  if (!earlier) return undefined;
  const sameRequest = earlier.fingerprint === null || earlier.fingerprint === fingerprint;
  if (earlier.operation !== claim.operation || !sameRequest) {
    throw new InvalidArgumentError([
      { field: "request_id", description: "was already used for a different request; use a new one" },
    ]);
  }
  return earlier.entity_id;
}

/** Request ids as a port, for services that pass their adapters around as objects. */
export interface RequestLog {
  /** `claimRequest` for the caller's organisation. */
  claim(
    sql: Sql,
    caller: { organisationId: string },
    claim: Omit<RequestClaim, "organisationId">,
  ): Promise<string | undefined>;
}

export const requestLog: RequestLog = {
  claim: (sql, caller, claim) => claimRequest(sql, { organisationId: caller.organisationId, ...claim }),
};
