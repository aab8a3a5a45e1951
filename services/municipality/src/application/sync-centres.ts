import { mmccProfile } from "../domain/index.js";
import type { MunicipalityDeps } from "./ports.js";

/** At start: the hosted MMCCs become the active tenants (idempotent; others are marked inactive). */
export async function syncCentres(
  deps: Pick<MunicipalityDeps, "db" | "centres" | "clock">,
  hostedOrganisations: readonly string[],
): Promise<void> {
  const profiles = hostedOrganisations.map(mmccProfile);
  await deps.db.transaction((tx) => deps.centres.syncHosted(tx, profiles, deps.clock.now()));
}
