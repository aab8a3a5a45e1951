import type { CentreDeps, CentreRecord, Page } from "./ports.js";

/** Active centres (no personal data; any partner may list them to find places). */
export function listCentres(
  deps: Pick<CentreDeps, "db" | "centres">,
  filter: { organisationIds: readonly string[]; provinceCodes: readonly string[] } & Page,
): Promise<CentreRecord[]> {
  return deps.centres.list(deps.db, filter);
}
