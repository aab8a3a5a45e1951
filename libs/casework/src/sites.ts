/* Pure (no I/O): a service's domain code may import it through `@kopru/casework/domain`. */

/** Where a hosted organisation receives people (an MMCC, a community centre). No personal data. */
export interface SiteProfile {
  organisationId: string;
  name: string;
  /** ADM1 p-code of the province. */
  provinceCode: string;
  provinceName: string;
  /** ADM2 p-code; empty when not known (the name still says where). */
  districtCode: string;
  districtName: string | undefined;
  /** Languages staff can work in (BCP 47). */
  languages: string[];
}

/** A site as a service's table stores it. */
export interface SiteRow {
  organisation_id: string;
  name: string;
  province_code: string;
  province_name: string | null;
  district_code: string;
  district_name: string | null;
  languages: string[];
}

export function siteFromRow(row: SiteRow): SiteProfile {
  return {
    organisationId: row.organisation_id,
    name: row.name,
    provinceCode: row.province_code,
    provinceName: row.province_name ?? "",
    districtCode: row.district_code,
    districtName: row.district_name ?? undefined,
    languages: row.languages,
  };
}

/** The site's columns in `SiteRow` order, for an INSERT. */
export function siteValues(site: SiteProfile): unknown[] {
  return [
    site.organisationId,
    site.name,
    site.provinceCode,
    site.provinceName || null,
    site.districtCode,
    site.districtName ?? null,
    site.languages,
  ];
}

/** A site a service knows of, before it is bound to the hosted organisation's id. */
export type KnownSite = Omit<SiteProfile, "organisationId">;

/**
 * The sites a service knows, by organisation id. `profileOf` gives a hosted organisation's site: the
 * known one whose id it is, or starts with followed by a hyphen (test and demo runs suffix ids, e.g.
 * `mmcc-kilis-3fa2`); otherwise a bare site named by `bare`, with no location.
 */
export function siteDirectory(
  known: Readonly<Record<string, KnownSite>>,
  bare: (organisationId: string) => Pick<SiteProfile, "name" | "languages">,
) {
  const sites = Object.freeze({ ...known });
  const ids: readonly string[] = Object.freeze(Object.keys(sites));
  const knownIdOf = (organisationId: string): string | undefined =>
    ids.find((k) => organisationId === k || organisationId.startsWith(`${k}-`));
  return {
    known: sites,
    ids,
    /** The known site's id a hosted organisation's id is, or starts with followed by a hyphen. */
    knownIdOf,
    profileOf(organisationId: string): SiteProfile {
      const key = knownIdOf(organisationId);
      const site = key === undefined ? undefined : sites[key];
      if (site) return { organisationId, ...site, languages: [...site.languages] };
      return {
        organisationId,
        provinceCode: "",
        provinceName: "",
        districtCode: "",
        districtName: undefined,
        ...bare(organisationId),
      };
    },
  };
}
