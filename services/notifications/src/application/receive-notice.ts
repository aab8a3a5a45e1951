import type { ReceivedEvent } from "@kopru/bus";
import { NoticeKind, type StaffNotice } from "@kopru/contracts/notification/v1/events";
import type { Sql } from "@kopru/storage";
import { scheduleTimer } from "@kopru/timers";
import { insertNotice } from "../adapters/persistence/store.js";
import { effectiveUrgency, type Notice } from "../domain/notice.js";
import type { NotificationsDeps } from "./ports.js";
import { FAN_OUT_TIMER } from "./timers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a notice cannot be kept, or undefined when it can (the reason names fields, never values). */
export function noticeDefect(notice: StaffNotice, subject: string): string | undefined {
  if (!UUID.test(notice.noticeId)) return "notice_id is not a UUID";
  if (!notice.organisationId) return "organisation_id is empty";
  // The subject is what the publisher's NATS user was allowed to write: it must name the same organisation.
  if (subject.split(".").at(-1) !== notice.organisationId) return "organisation_id differs from the subject";
  const recipient = notice.recipient;
  if (!recipient?.value) return "no recipient (actor_id or role)";
  if (!notice.kind || !(notice.kind in NoticeKind)) return "kind is unknown";
  return undefined;
}

/**
 * Keeps a staff notice once (a repeat with the same id is dropped) and, when this service emails,
 * schedules its fan-out at once in the same transaction: the feed shows it from the commit on, and
 * the emails follow durably however often the service restarts.
 */
export async function receiveNotice(
  deps: Pick<NotificationsDeps, "clock" | "logger" | "email">,
  tx: Sql,
  event: ReceivedEvent<StaffNotice>,
): Promise<void> {
  const payload = event.payload;
  const defect = noticeDefect(payload, event.subject);
  if (defect) {
    deps.logger.warn(
      { event: "notice_dropped", eventId: event.eventId, reason: defect },
      "staff notice dropped",
    );
    return;
  }
  const now = deps.clock.now();
  const notice: Notice = {
    noticeId: payload.noticeId,
    organisationId: payload.organisationId,
    actorId: payload.recipient?.$case === "actorId" ? payload.recipient.value : undefined,
    role: payload.recipient?.$case === "role" ? payload.recipient.value : undefined,
    kind: payload.kind,
    urgency: effectiveUrgency(payload.kind, payload.urgency),
    referralId: payload.referralId || undefined,
    caseId: payload.caseId || undefined,
    serviceType: payload.serviceType,
    priority: payload.priority,
    status: payload.status,
    dueAt: payload.dueAt,
    occurredAt: payload.occurredAt ?? event.occurredAt,
    sourceService: payload.sourceService || event.producer.service,
    receivedAt: now,
  };
  const kept = await insertNotice(tx, notice);
  if (!kept || !deps.email) return;
  await scheduleTimer(tx, { kind: FAN_OUT_TIMER, key: notice.noticeId, dueAt: now });
}
