import type { PageRequest } from "@kopru/contracts/common/v1/refs";
import type { Organisation } from "@kopru/contracts/coordination/v1/directory";
import type { CoordinationDeps } from "./deps.js";
import type { OrganisationFilter, Page } from "./ports.js";

/** One page of organisations, by id. The directory is network-wide and holds no personal data. */
export function listOrganisations(
  deps: CoordinationDeps,
  filter: OrganisationFilter,
  page: PageRequest | undefined,
): Promise<Page<Organisation>> {
  return deps.directory.listOrganisations(deps.db, filter, page);
}
