import type { DataClass, StreamRetention } from "@kopru/retention";

/**
 * The outbox's sent rows: each holds the full envelope of an event the service published, personal
 * data included (a referral package, a contact update). Once sent, a row is kept only to replay it
 * (`OutboxRelay.replay`) while the stream would still hold the message, so its period is the
 * stream's: a copy here must not outlive the copy in JetStream. Unsent rows are never touched.
 */
export function sentEventsClass(streams: readonly StreamRetention[]): DataClass {
  const longest = Math.max(...streams.map((s) => s.maxAgeMs));
  return {
    name: "sent-events",
    description: "an event the service published (its outbox row), from the moment it was sent",
    method: "erased",
    scope: "service",
    defaultPeriodDays: Math.ceil(longest / 86_400_000),
    reason:
      "kept only to replay into JetStream while the stream could still hold the message; the stream's own " +
      "max age bounds it",
    carriedBy: streams,
    async select(sql, { endedBefore }) {
      const { rows } = await sql.query<{ event_id: string }>(
        "SELECT event_id::text FROM kopru_outbox WHERE sent_at < $1 ORDER BY id",
        [endedBefore],
      );
      return rows.map((r) => r.event_id);
    },
    async destroy(tx, ids) {
      await tx.query("DELETE FROM kopru_outbox WHERE event_id = ANY($1::uuid[]) AND sent_at IS NOT NULL", [
        ids,
      ]);
    },
  };
}
