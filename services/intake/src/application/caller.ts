import { ActorKind } from "@kopru/contracts/common/v1/refs";
import { tokenCallerOf } from "@kopru/referral";
import { hasOneOfRoles, ROLES, staffRole } from "@kopru/service-kit/roles";
import { OrganisationNotServedError } from "../domain/errors.js";
import type { Caller, IntakeDeps } from "./ports.js";

/** Who the verified access token says is calling (its organisation, staff user, roles, subject and client). */
export interface Principal {
  organisationId: string | undefined;
  actorId: string | undefined;
  role: string | undefined;
  /** Every role the token grants. */
  roles?: readonly string[] | undefined;
  subject: string;
  clientId: string;
  via?: string | undefined;
}

/**
 * The caller as intake acts for it. The organisation must be one intake serves (an active row of
 * `partner_organisations`), otherwise PERMISSION_DENIED. A call naming a staff member is STAFF;
 * otherwise it is the partner organisation's system (PARTNER_CLIENT).
 */
export async function resolveCaller(
  deps: Pick<IntakeDeps, "db" | "repos">,
  principal: Principal,
): Promise<Caller> {
  const organisationId = principal.organisationId;
  if (!organisationId || !(await deps.repos.partners.isServed(deps.db, organisationId))) {
    throw new OrganisationNotServedError(organisationId);
  }
  const kind = principal.actorId ? ActorKind.ACTOR_KIND_STAFF : ActorKind.ACTOR_KIND_PARTNER_CLIENT;
  const role = kind === ActorKind.ACTOR_KIND_STAFF ? staffRole(principal.role) : 0;
  const token = tokenCallerOf(principal);
  return {
    organisationId,
    actor: { kind, organisationId, actorId: principal.actorId ?? "", role },
    acting: { actor: { party: "referrer", kind, organisationId }, actorId: principal.actorId, token },
    token,
    restrictedAccess:
      kind === ActorKind.ACTOR_KIND_STAFF &&
      hasOneOfRoles(principal.roles ?? [], [ROLES.protectionRestricted]),
  };
}

/** The system acting for a served organisation (e.g. a re-route asked for by coordination). */
export function systemCaller(organisationId: string): Caller {
  const kind = ActorKind.ACTOR_KIND_SYSTEM;
  return {
    organisationId,
    actor: { kind, organisationId, actorId: "intake", role: 0 },
    acting: { actor: { party: "referrer", kind, organisationId }, actorId: undefined },
  };
}
