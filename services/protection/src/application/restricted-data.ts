import { hasRestrictedRole, isOnCaseTeam } from "../domain/index.js";
import type { Caller, ProtectionDeps } from "./ports.js";

/**
 * Whether the caller may read the GBV and child-protection sections of a received referral's package:
 * staff with a restricted-case role, and the team of a case that serves the referral. Everyone else
 * reads the package without them (the same rule as for restricted cases).
 */
export async function maySeeRestrictedData(
  deps: ProtectionDeps,
  caller: Caller,
  referralId: string,
): Promise<boolean> {
  if (hasRestrictedRole(caller, deps.policy)) return true;
  const serving = await deps.uow.run((tx) => tx.store.casesServing(caller.organisationId, referralId));
  return serving.some((c) => isOnCaseTeam(c, caller));
}
