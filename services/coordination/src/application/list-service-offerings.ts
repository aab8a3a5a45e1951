import type { PageRequest } from "@kopru/contracts/common/v1/refs";
import type { ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import type { CoordinationDeps } from "./deps.js";
import type { OfferingFilter, Page } from "./ports.js";

/** One page of offerings, by organisation then id; removed offerings count as inactive. */
export function listServiceOfferings(
  deps: CoordinationDeps,
  filter: OfferingFilter,
  page: PageRequest | undefined,
): Promise<Page<ServiceOffering>> {
  return deps.directory.listOfferings(deps.db, filter, page);
}
