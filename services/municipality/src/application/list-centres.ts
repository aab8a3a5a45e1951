import type { CentreRecord, MunicipalityDeps, Page } from "./ports.js";

/** The MMCCs this service hosts (no personal data; any partner may list them). */
export function listCentres(
  deps: Pick<MunicipalityDeps, "db" | "centres">,
  filter: { provinceCodes: readonly string[] } & Page,
): Promise<CentreRecord[]> {
  return deps.centres.list(deps.db, filter);
}
