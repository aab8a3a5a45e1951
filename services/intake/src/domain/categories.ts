import type { DataCategory, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { dataContractFor } from "@kopru/referral/domain";
import { CategoriesNotAcceptedError, CategoriesNotHeldError } from "./errors.js";

/**
 * Which categories to offer `preparePackage` for a referral, from what the referrer asked for.
 *
 * - Nothing asked: undefined, i.e. the library's rule — the contract's required categories plus the
 *   optional ones the consent covers and intake holds.
 * - Categories asked: each must be in the service type's data contract (otherwise
 *   CategoriesNotAcceptedError) and held for the person (otherwise CategoriesNotHeldError); the
 *   offer is those plus the contract's required ones, which always travel.
 *
 * Whether the consent covers what was asked is checked after selection (`uncoveredAsked`).
 */
export function categoriesToOffer(
  serviceType: ServiceType,
  asked: readonly DataCategory[],
  held: readonly DataCategory[],
): DataCategory[] | undefined {
  if (asked.length === 0) return undefined;
  const contract = dataContractFor(serviceType);
  const accepted = new Set([...contract.required, ...contract.optional]);
  const unique = [...new Set(asked)].sort((a, b) => a - b);
  const notAccepted = unique.filter((c) => !accepted.has(c));
  if (notAccepted.length > 0) throw new CategoriesNotAcceptedError(serviceType, notAccepted);
  const notHeld = unique.filter((c) => !held.includes(c));
  if (notHeld.length > 0) throw new CategoriesNotHeldError(notHeld);
  return [...new Set([...contract.required, ...unique])].sort((a, b) => a - b);
}

/** The asked-for categories that did not make it into the package (the consent does not cover them). */
export function uncoveredAsked(
  asked: readonly DataCategory[],
  selected: readonly DataCategory[],
): DataCategory[] {
  return [...new Set(asked)].filter((c) => !selected.includes(c)).sort((a, b) => a - b);
}
