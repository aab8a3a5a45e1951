import type { Actor } from "@kopru/contracts/common/v1/refs";
import type { TokenCaller } from "@kopru/referral";
import { actorOf, type CallContext, hostedCallerOrganisation } from "@kopru/service-kit";

/**
 * Who calls, as the verified access token says: an organisation this service hosts, for staff the
 * user id and roles, and the token's subject and client for the audit log. A caller the service
 * makes up itself (an event consumer acting for the organisation) has no token: no subject.
 */
export interface Caller {
  organisationId: string;
  actorId: string | undefined;
  /** The role recorded on what the caller writes (the token's first staff role). */
  role: string | undefined;
  /** Every role the token grants: what permission decisions read. */
  roles?: readonly string[] | undefined;
  /** The token's `sub` and `client_id`, and the client of a service that relayed the call. */
  subject?: string | undefined;
  clientId?: string | undefined;
  via?: string | undefined;
}

/**
 * The caller's organisation (the token's `kopru_org`) must be one this service hosts; the staff
 * user id and roles come from the same token. The same rule as the inbox.
 */
export function callerOf(
  context: Pick<
    CallContext,
    "organisationId" | "actorId" | "role" | "roles" | "subject" | "clientId" | "via"
  >,
  hosted: readonly string[],
): Caller {
  const organisationId = hostedCallerOrganisation(context, hosted);
  return {
    organisationId,
    actorId: context.actorId,
    role: context.role,
    roles: context.roles,
    subject: context.subject,
    clientId: context.clientId,
    via: context.via,
  };
}

/**
 * The caller behind a referral transition (e.g. the acceptance that opens a case): the staff user
 * and the token's subject and client the inbox recorded, for the organisation the referral targets.
 */
export function callerOfActing(
  organisationId: string,
  acting: { actorId?: string | undefined; token?: TokenCaller | undefined },
): Caller {
  return {
    organisationId,
    actorId: acting.actorId,
    role: undefined,
    subject: acting.token?.subject,
    clientId: acting.token?.clientId,
    via: acting.token?.via,
  };
}

/** The caller as stored on what they did: staff with their role (the kit's one roles table) or a partner system. */
export function actorOfCaller(caller: Caller): Actor {
  return actorOf(caller);
}
