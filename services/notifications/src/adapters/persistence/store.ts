import type { Priority, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { NoticeKind, NoticeUrgency } from "@kopru/contracts/notification/v1/events";
import type { DigestFrequency } from "@kopru/contracts/notification/v1/notification";
import type { Sql } from "@kopru/storage";
import type { Reader } from "../../application/ports.js";
import type { Notice } from "../../domain/notice.js";
import type { Preferences } from "../../domain/preferences.js";

interface NoticeRow {
  notice_id: string;
  organisation_id: string;
  actor_id: string | null;
  role: string | null;
  kind: number;
  urgency: number;
  referral_id: string | null;
  case_id: string | null;
  service_type: number;
  priority: number;
  status: number;
  due_at: Date | string | null;
  occurred_at: Date | string;
  source_service: string;
  received_at: Date | string;
}

const NOTICE_COLUMNS = `n.notice_id, n.organisation_id, n.actor_id, n.role, n.kind, n.urgency, n.referral_id, n.case_id,
  n.service_type, n.priority, n.status, n.due_at, n.occurred_at, n.source_service, n.received_at`;

function toNotice(row: NoticeRow): Notice {
  return {
    noticeId: row.notice_id,
    organisationId: row.organisation_id,
    actorId: row.actor_id ?? undefined,
    role: row.role ?? undefined,
    kind: row.kind as NoticeKind,
    urgency: row.urgency as NoticeUrgency,
    referralId: row.referral_id ?? undefined,
    caseId: row.case_id ?? undefined,
    serviceType: row.service_type as ServiceType,
    priority: row.priority as Priority,
    status: row.status as ReferralStatus,
    dueAt: row.due_at === null ? undefined : new Date(row.due_at),
    occurredAt: new Date(row.occurred_at),
    sourceService: row.source_service,
    receivedAt: new Date(row.received_at),
  };
}

/** Keeps a notice once; false when one with its id was kept before (a repeat). */
export async function insertNotice(tx: Sql, notice: Notice): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO notices (notice_id, organisation_id, actor_id, role, kind, urgency, referral_id, case_id,
                          service_type, priority, status, due_at, occurred_at, source_service, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (notice_id) DO NOTHING`,
    [
      notice.noticeId,
      notice.organisationId,
      notice.actorId ?? null,
      notice.role ?? null,
      notice.kind,
      notice.urgency,
      notice.referralId ?? null,
      notice.caseId ?? null,
      notice.serviceType,
      notice.priority,
      notice.status,
      notice.dueAt ?? null,
      notice.occurredAt,
      notice.sourceService,
      notice.receivedAt,
    ],
  );
  return rowCount > 0;
}

export async function findNotice(sql: Sql, noticeId: string): Promise<Notice | undefined> {
  const { rows } = await sql.query<NoticeRow>(
    `SELECT ${NOTICE_COLUMNS} FROM notices n WHERE n.notice_id = $1`,
    [noticeId],
  );
  return rows[0] && toNotice(rows[0]);
}

/** The notices a reader sees: addressed to them, or to a role they hold, in their organisation. */
const VISIBLE = `n.organisation_id = $1 AND (n.actor_id = $2 OR n.role = ANY ($3::text[]))`;

export interface FeedEntry {
  notice: Notice;
  readAt: Date | undefined;
}

export async function listFeed(
  sql: Sql,
  reader: Reader,
  options: { unreadOnly: boolean; limit: number; offset: number },
): Promise<FeedEntry[]> {
  const { rows } = await sql.query<NoticeRow & { read_at: Date | string | null }>(
    `SELECT ${NOTICE_COLUMNS}, r.read_at
       FROM notices n
       LEFT JOIN notice_reads r ON r.notice_id = n.notice_id AND r.actor_id = $2
      WHERE ${VISIBLE} AND ($4::boolean IS FALSE OR r.read_at IS NULL)
      ORDER BY n.received_at DESC, n.notice_id DESC
      LIMIT $5 OFFSET $6`,
    [
      reader.organisationId,
      reader.actorId,
      [...reader.roles],
      options.unreadOnly,
      options.limit,
      options.offset,
    ],
  );
  return rows.map((row) => ({
    notice: toNotice(row),
    readAt: row.read_at === null ? undefined : new Date(row.read_at),
  }));
}

export async function unreadCount(sql: Sql, reader: Reader): Promise<number> {
  const { rows } = await sql.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM notices n
      WHERE ${VISIBLE}
        AND NOT EXISTS (SELECT 1 FROM notice_reads r WHERE r.notice_id = n.notice_id AND r.actor_id = $2)`,
    [reader.organisationId, reader.actorId, [...reader.roles]],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Which of `noticeIds` are in the reader's feed. */
export async function visibleNoticeIds(
  sql: Sql,
  reader: Reader,
  noticeIds: readonly string[],
): Promise<Set<string>> {
  const { rows } = await sql.query<{ notice_id: string }>(
    `SELECT n.notice_id FROM notices n WHERE ${VISIBLE} AND n.notice_id::text = ANY ($4::text[])`,
    [reader.organisationId, reader.actorId, [...reader.roles], [...noticeIds]],
  );
  return new Set(rows.map((row) => row.notice_id));
}

/** Marks entries of the reader's feed read (only those they can see); returns how many changed. */
export async function markRead(
  tx: Sql,
  reader: Reader,
  which: { all: true } | { noticeIds: readonly string[] },
  now: Date,
): Promise<number> {
  const { rowCount } = await tx.query(
    `INSERT INTO notice_reads (notice_id, actor_id, read_at)
     SELECT n.notice_id, $2, $4 FROM notices n
      WHERE ${VISIBLE} AND ($5::boolean OR n.notice_id::text = ANY ($6::text[]))
     ON CONFLICT (notice_id, actor_id) DO NOTHING`,
    [
      reader.organisationId,
      reader.actorId,
      [...reader.roles],
      now,
      "all" in which,
      "all" in which ? [] : [...which.noticeIds],
    ],
  );
  return rowCount;
}

export async function findPreferences(sql: Sql, actorId: string): Promise<Preferences | undefined> {
  const { rows } = await sql.query<{
    email_enabled: boolean;
    digest_frequency: number;
    updated_at: Date | string;
  }>("SELECT email_enabled, digest_frequency, updated_at FROM notification_preferences WHERE actor_id = $1", [
    actorId,
  ]);
  const row = rows[0];
  return (
    row && {
      emailEnabled: row.email_enabled,
      digestFrequency: row.digest_frequency as DigestFrequency,
      updatedAt: new Date(row.updated_at),
    }
  );
}

export async function savePreferences(
  tx: Sql,
  actor: { actorId: string; organisationId: string },
  preferences: Preferences & { updatedAt: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO notification_preferences (actor_id, organisation_id, email_enabled, digest_frequency, updated_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (actor_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,
       email_enabled = EXCLUDED.email_enabled, digest_frequency = EXCLUDED.digest_frequency,
       updated_at = EXCLUDED.updated_at`,
    [
      actor.actorId,
      actor.organisationId,
      preferences.emailEnabled,
      preferences.digestFrequency,
      preferences.updatedAt,
    ],
  );
}

export async function addDigestItem(
  tx: Sql,
  item: { actorId: string; noticeId: string; organisationId: string; at: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO digest_items (actor_id, notice_id, organisation_id, added_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (actor_id, notice_id) DO NOTHING`,
    [item.actorId, item.noticeId, item.organisationId, item.at],
  );
}

export async function hasDigestItems(sql: Sql, actorId: string): Promise<boolean> {
  const { rows } = await sql.query("SELECT 1 FROM digest_items WHERE actor_id = $1 LIMIT 1", [actorId]);
  return rows.length > 0;
}

/** Removes and returns what waits for the actor's digest, oldest first. */
export async function takeDigestItems(tx: Sql, actorId: string): Promise<Notice[]> {
  const { rows } = await tx.query<NoticeRow>(
    `WITH taken AS (DELETE FROM digest_items WHERE actor_id = $1 RETURNING notice_id)
     SELECT ${NOTICE_COLUMNS} FROM notices n JOIN taken t ON t.notice_id = n.notice_id
      ORDER BY n.received_at, n.notice_id`,
    [actorId],
  );
  return rows.map(toNotice);
}

export async function recordDelivery(
  tx: Sql,
  delivery: {
    actorId: string;
    organisationId: string;
    kind: "notice" | "digest";
    noticeIds: readonly string[];
    messageId: string | undefined;
    sentAt: Date;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO email_deliveries (actor_id, organisation_id, kind, notice_ids, message_id, sent_at)
     VALUES ($1, $2, $3, $4::uuid[], $5, $6)`,
    [
      delivery.actorId,
      delivery.organisationId,
      delivery.kind,
      [...delivery.noticeIds],
      delivery.messageId ?? null,
      delivery.sentAt,
    ],
  );
}
