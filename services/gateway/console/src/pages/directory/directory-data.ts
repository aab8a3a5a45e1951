import type { components } from "@kopru/contracts/openapi/console-api";
import { useMemo } from "react";
import { PRIORITIES, SERVICE_TYPES } from "../../api/enums.js";
import { useRpcQuery } from "../../api/hooks.js";

type Schemas = components["schemas"];
export type Organisation = Schemas["kopru.coordination.v1.Organisation"];
export type ServiceOffering = Schemas["kopru.coordination.v1.ServiceOffering"];
export type CapacityStatus = Schemas["kopru.coordination.v1.CapacityStatus"];
export type ServiceType = Schemas["kopru.common.v1.ServiceType"];
export type Priority = Schemas["kopru.common.v1.Priority"];

/** The directory's largest page: the network has tens of organisations, not thousands. */
export const DIRECTORY_PAGE = { pageSize: 500 } as const;

/**
 * Every organisation of the directory (inactive ones too: figures and lists still name them), with
 * a name lookup that falls back to the id. Cached for the session: the directory changes rarely.
 */
export function useOrganisations() {
  const query = useRpcQuery(
    "coordination",
    "ListOrganisations",
    { includeInactive: true, page: DIRECTORY_PAGE },
    { staleTime: 5 * 60_000 },
  );
  const organisations = query.data?.organisations;
  const byId = useMemo(
    () =>
      new Map((organisations ?? []).map((organisation) => [organisation.organisationId ?? "", organisation])),
    [organisations],
  );
  const nameOf = useMemo(
    () => (id: string | undefined) => {
      if (!id) return "—";
      const organisation = byId.get(id);
      return organisation?.name || organisation?.shortName || id;
    },
    [byId],
  );
  return { query, organisations: organisations ?? [], byId, nameOf };
}

/** Capacity statuses in the order routing prefers them. */
export const CAPACITY_STATUSES = [
  "CAPACITY_STATUS_AVAILABLE",
  "CAPACITY_STATUS_LIMITED",
  "CAPACITY_STATUS_WAITLIST",
  "CAPACITY_STATUS_FULL",
  "CAPACITY_STATUS_SUSPENDED",
] as const satisfies readonly CapacityStatus[];

export { PRIORITIES, SERVICE_TYPES };
