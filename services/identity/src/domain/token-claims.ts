/** Every API that accepts Köprü access tokens, as RFC 8707 resource indicators (the token's `aud`). */
export const API_SERVICES = [
  "intake",
  "protection",
  "ecm",
  "community-centre",
  "municipality",
  "coordination",
  "gateway",
  "notifications",
  // Possible duplicates across organisations (ADR 0027): service tokens (intake) and partners.
  "matching",
  // Its own API: the staff directory, for service tokens only.
  "identity",
] as const;

export const AUDIENCES: readonly string[] = API_SERVICES.map((service) => `urn:kopru:${service}`);

/** The one scope every Köprü API accepts; what a token may do is in its roles (and, at the partner API, its partner scopes). */
export const API_SCOPE = "api";

/** The token contract caps a token's life at ten minutes, whatever the configuration says. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 600;

export const STAFF_ROLES = [
  "caseworker",
  "supervisor",
  "protection-restricted",
  "ecm-approver",
  "coordinator",
  "network-admin",
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export type ClientKind = "partner-system" | "service" | "first-party";

/** Who a token speaks for; becomes the `kopru_*` claims of the token contract. */
export type Principal =
  | { kind: "staff"; organisationId: string; roles: readonly string[] }
  | { kind: "partner-system"; organisationId: string }
  | { kind: "service"; serviceName: string };

export interface KopruClaims {
  kopru_kind: Principal["kind"];
  kopru_org?: string;
  roles: string[];
  kopru_service?: string;
}

export function kopruClaims(principal: Principal): KopruClaims {
  switch (principal.kind) {
    case "staff":
      return { kopru_kind: "staff", kopru_org: principal.organisationId, roles: [...principal.roles] };
    case "partner-system":
      return { kopru_kind: "partner-system", kopru_org: principal.organisationId, roles: [] };
    case "service":
      return { kopru_kind: "service", kopru_service: principal.serviceName, roles: [] };
  }
}

export function isAudience(resource: string): boolean {
  return AUDIENCES.includes(resource);
}
