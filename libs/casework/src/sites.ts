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
