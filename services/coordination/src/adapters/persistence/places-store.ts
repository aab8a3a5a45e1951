import type { Sql } from "@kopru/storage";
import type { PlacesRepository } from "../../application/ports.js";

/** Live capacity counts in coordination's own tables (offering_places, activity_seats). */
export const placesStore: PlacesRepository = {
  async addPlaces(sql, serviceOfferingId, delta, at) {
    await sql.query(
      `INSERT INTO offering_places (service_offering_id, places_taken, updated_at)
       VALUES ($1, GREATEST(0, $2::int), $3)
       ON CONFLICT (service_offering_id) DO UPDATE
         SET places_taken = GREATEST(0, offering_places.places_taken + $2::int), updated_at = $3`,
      [serviceOfferingId, delta, at],
    );
  },

  async placesTaken(sql, serviceOfferingId) {
    const rows = await sql.query<{ places_taken: number }>(
      "SELECT places_taken FROM offering_places WHERE service_offering_id = $1",
      [serviceOfferingId],
    );
    return rows.rows[0]?.places_taken ?? 0;
  },

  async saveActivitySeats(sql, seats) {
    const rows = await sql.query(
      `INSERT INTO activity_seats (activity_id, organisation_id, service_type, capacity, seats_taken, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (activity_id) DO UPDATE
         SET organisation_id = EXCLUDED.organisation_id, service_type = EXCLUDED.service_type,
             capacity = EXCLUDED.capacity, seats_taken = EXCLUDED.seats_taken, changed_at = EXCLUDED.changed_at
         WHERE activity_seats.changed_at <= EXCLUDED.changed_at
       RETURNING activity_id`,
      [
        seats.activityId,
        seats.organisationId,
        seats.serviceType,
        seats.capacity,
        seats.seatsTaken,
        seats.changedAt,
      ],
    );
    return rows.rows.length > 0;
  },

  async seatsOf(sql, organisationId, serviceType) {
    const rows = await sql.query<{ capacity: number | null; seats_taken: number | null; n: number }>(
      `SELECT sum(capacity)::int AS capacity, sum(seats_taken)::int AS seats_taken, count(*)::int AS n
         FROM activity_seats WHERE organisation_id = $1 AND service_type = $2`,
      [organisationId, serviceType],
    );
    const row = rows.rows[0];
    return row && row.n > 0 ? { capacity: row.capacity ?? 0, seatsTaken: row.seats_taken ?? 0 } : undefined;
  },

  async offeringsOf(sql: Sql, organisationId: string, serviceType: number) {
    const rows = await sql.query<{ service_offering_id: string }>(
      `SELECT service_offering_id FROM service_offerings
        WHERE organisation_id = $1 AND service_type = $2 AND removed_at IS NULL
        ORDER BY service_offering_id`,
      [organisationId, serviceType],
    );
    return rows.rows.map((r) => r.service_offering_id);
  },
};
