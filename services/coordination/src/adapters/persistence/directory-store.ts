import type { PageRequest } from "@kopru/contracts/common/v1/refs";
import { Organisation, ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import { readPage } from "@kopru/referral";
import { isUniqueViolation } from "@kopru/storage";
import type {
  DirectoryRepository,
  OfferingFilter,
  OrganisationFilter,
  Page,
  SaveMode,
  StoredOffering,
  StoredOrganisation,
} from "../../application/ports.js";
import { DirectoryRecordConflictError } from "../../domain/errors.js";

interface OrganisationRow {
  organisation: Uint8Array;
  version: number;
  created_at: Date;
}

interface OfferingRow {
  offering: Uint8Array;
  version: number;
  created_at: Date;
  removed_at: Date | null;
}

const provinces = (locations: readonly { provinceCode: string }[]) => [
  ...new Set(locations.map((l) => l.provinceCode).filter((code) => code !== "")),
];

/** The authoritative directory: one row per organisation and per offering, full state encoded. */
export const directoryStore: DirectoryRepository = {
  async organisation(sql, id, options = {}) {
    const result = await sql.query<OrganisationRow>(
      `SELECT organisation, version, created_at FROM organisations WHERE organisation_id = $1
       ${options.forUpdate ? "FOR UPDATE" : ""}`,
      [id],
    );
    const row = result.rows[0];
    return row
      ? {
          organisation: Organisation.decode(row.organisation),
          version: row.version,
          createdAt: row.created_at,
        }
      : undefined;
  },

  async takenOrganisationIds(sql, ids) {
    const result = await sql.query<{ organisation_id: string }>(
      "SELECT organisation_id FROM organisations WHERE organisation_id = ANY($1::text[])",
      [ids],
    );
    return new Set(result.rows.map((r) => r.organisation_id));
  },

  async saveOrganisation(sql, stored: StoredOrganisation, mode: SaveMode) {
    const o = stored.organisation;
    await write(mode, "organisation", o.organisationId, () =>
      sql.query(
        `INSERT INTO organisations
         (organisation_id, partner_kind, active, province_codes, organisation, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ${
         mode === "update"
           ? `ON CONFLICT (organisation_id) DO UPDATE
         SET partner_kind = EXCLUDED.partner_kind, active = EXCLUDED.active,
             province_codes = EXCLUDED.province_codes, organisation = EXCLUDED.organisation,
             version = EXCLUDED.version, updated_at = EXCLUDED.updated_at`
           : ""
       }`,
        [
          o.organisationId,
          o.partnerKind,
          o.active,
          provinces(o.locations),
          Buffer.from(Organisation.encode(o).finish()),
          stored.version,
          stored.createdAt,
          o.updatedAt ?? stored.createdAt,
        ],
      ),
    );
  },

  async offering(sql, id, options = {}) {
    const result = await sql.query<OfferingRow>(
      `SELECT offering, version, created_at, removed_at FROM service_offerings WHERE service_offering_id = $1
       ${options.forUpdate ? "FOR UPDATE" : ""}`,
      [id],
    );
    const row = result.rows[0];
    return row
      ? {
          offering: ServiceOffering.decode(row.offering),
          version: row.version,
          createdAt: row.created_at,
          removedAt: row.removed_at ?? undefined,
        }
      : undefined;
  },

  async saveOffering(sql, stored: StoredOffering, mode: SaveMode) {
    const o = stored.offering;
    await write(mode, "service offering", o.serviceOfferingId, () =>
      sql.query(
        `INSERT INTO service_offerings
         (service_offering_id, organisation_id, service_type, capacity_status, active, province_codes,
          offering, version, removed_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ${
         mode === "update"
           ? `ON CONFLICT (service_offering_id) DO UPDATE
         SET organisation_id = EXCLUDED.organisation_id, service_type = EXCLUDED.service_type,
             capacity_status = EXCLUDED.capacity_status, active = EXCLUDED.active,
             province_codes = EXCLUDED.province_codes, offering = EXCLUDED.offering,
             version = EXCLUDED.version, removed_at = EXCLUDED.removed_at, updated_at = EXCLUDED.updated_at`
           : ""
       }`,
        [
          o.serviceOfferingId,
          o.organisationId,
          o.serviceType,
          o.capacityStatus,
          o.active,
          provinces(o.coverage),
          Buffer.from(ServiceOffering.encode(o).finish()),
          stored.version,
          stored.removedAt ?? null,
          stored.createdAt,
          o.updatedAt ?? stored.createdAt,
        ],
      ),
    );
  },

  async listOrganisations(sql, filter: OrganisationFilter, page: PageRequest | undefined) {
    const { limit, offset } = readPage(page);
    const result = await sql.query<{ organisation: Uint8Array; total: number }>(
      `SELECT organisation, count(*) OVER () AS total FROM organisations
        WHERE (cardinality($1::int[]) = 0 OR partner_kind = ANY($1::int[]))
          AND (cardinality($2::text[]) = 0 OR province_codes && $2::text[])
          AND ($3::boolean OR active)
        ORDER BY organisation_id
        LIMIT $4 OFFSET $5`,
      [filter.partnerKinds, filter.provinceCodes, filter.includeInactive, limit, offset],
    );
    return pageOf(result.rows, offset, (r) => Organisation.decode(r.organisation));
  },

  async listOfferings(sql, filter: OfferingFilter, page: PageRequest | undefined) {
    const { limit, offset } = readPage(page);
    const result = await sql.query<{ offering: Uint8Array; total: number }>(
      `SELECT offering, count(*) OVER () AS total FROM service_offerings
        WHERE (cardinality($1::text[]) = 0 OR organisation_id = ANY($1::text[]))
          AND (cardinality($2::int[]) = 0 OR service_type = ANY($2::int[]))
          AND (cardinality($3::int[]) = 0 OR capacity_status = ANY($3::int[]))
          AND ($4::boolean OR (active AND removed_at IS NULL))
        ORDER BY organisation_id, service_offering_id
        LIMIT $5 OFFSET $6`,
      [
        filter.organisationIds,
        filter.serviceTypes,
        filter.capacityStatuses,
        filter.includeInactive,
        limit,
        offset,
      ],
    );
    return pageOf(result.rows, offset, (r) => ServiceOffering.decode(r.offering));
  },

  async searchCandidates(sql, serviceType, provinceCode) {
    const offerings = await sql.query<{ offering: Uint8Array }>(
      `SELECT o.offering FROM service_offerings o
         JOIN organisations g ON g.organisation_id = o.organisation_id
        WHERE o.service_type = $1 AND o.active AND o.removed_at IS NULL AND g.active
          AND $2 = ANY(o.province_codes)`,
      [serviceType, provinceCode],
    );
    const decoded = offerings.rows.map((r) => ServiceOffering.decode(r.offering));
    const ids = [...new Set(decoded.map((o) => o.organisationId))];
    const organisations = await sql.query<{ organisation: Uint8Array }>(
      "SELECT organisation FROM organisations WHERE organisation_id = ANY($1::text[])",
      [ids],
    );
    const byId = new Map<string, Organisation>();
    for (const row of organisations.rows) {
      const organisation = Organisation.decode(row.organisation);
      byId.set(organisation.organisationId, organisation);
    }
    return { offerings: decoded, organisations: byId };
  },
};

/** Rows selected with `count(*) OVER () AS total` as one page. */
export function pageOf<Row extends { total: number }, T>(
  rows: Row[],
  offset: number,
  decode: (row: Row) => T,
): Page<T> {
  return { items: rows.map(decode), total: rows[0]?.total ?? (offset === 0 ? 0 : undefined) };
}

/** A create that lost a race with another create of the same id answers ABORTED, not INTERNAL. */
async function write(mode: SaveMode, entity: string, id: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (mode === "insert" && isUniqueViolation(error)) {
      throw new DirectoryRecordConflictError(`${entity} ${id} was created by another request meanwhile`, {
        cause: error,
      });
    }
    throw error;
  }
}
