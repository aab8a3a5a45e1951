import type { Sql } from "@kopru/storage";
import { cancelTimer, type DueTimer, scheduleTimer } from "@kopru/timers";
import { renderDigestEmail, renderNoticeEmail } from "../adapters/email/templates.js";
import {
  addDigestItem,
  findNotice,
  findPreferences,
  recordDelivery,
  takeDigestItems,
} from "../adapters/persistence/store.js";
import { emailedAtOnce, type Notice } from "../domain/notice.js";
import { DEFAULT_PREFERENCES, nextDigestAt } from "../domain/preferences.js";
import type { NotificationsDeps, StaffMember } from "./ports.js";
import { DIGEST_TIMER, EMAIL_TIMER } from "./timers.js";

type Deps = Pick<NotificationsDeps, "clock" | "logger" | "consoleUrl" | "email">;

async function recipients(deps: Deps, notice: Notice): Promise<StaffMember[]> {
  const directory = deps.email?.directory;
  if (!directory) return [];
  if (notice.actorId) {
    const member = await directory.find(notice.organisationId, notice.actorId);
    return member ? [member] : [];
  }
  return directory.withRole(notice.organisationId, notice.role ?? "");
}

/**
 * The fan-out of one notice (a timer, so a failure — the staff directory down — is retried later):
 * for each active recipient who wants email and has an address, URGENT and NORMAL notices get a
 * mail of their own (one timer each, so one failed send repeats nobody else's), LOW ones join the
 * recipient's next digest. The staff directory answers who holds the role now; nothing about the
 * person is stored but their id.
 */
export async function fanOutNotice(deps: Deps, tx: Sql, timer: DueTimer): Promise<void> {
  const notice = await findNotice(tx, timer.key);
  if (!notice || !deps.email) return;
  const now = deps.clock.now();
  for (const member of await recipients(deps, notice)) {
    if (!member.active || !member.email) continue;
    const preferences = (await findPreferences(tx, member.id)) ?? DEFAULT_PREFERENCES;
    if (!preferences.emailEnabled) continue;
    const payload = { actorId: member.id, organisationId: notice.organisationId };
    if (emailedAtOnce(notice.urgency)) {
      await scheduleTimer(tx, {
        kind: EMAIL_TIMER,
        key: `${notice.noticeId}/${member.id}`,
        dueAt: now,
        payload,
      });
      continue;
    }
    const digestAt = nextDigestAt(preferences.digestFrequency, now);
    if (!digestAt) continue;
    await addDigestItem(tx, { ...payload, noticeId: notice.noticeId, at: now });
    await scheduleTimer(tx, { kind: DIGEST_TIMER, key: member.id, dueAt: digestAt, payload });
  }
}

/** Asks the directory again at sending time: someone deactivated or without an address gets nothing. */
async function currentAddress(
  deps: Deps,
  organisationId: string,
  actorId: string,
): Promise<string | undefined> {
  const member = await deps.email?.directory.find(organisationId, actorId);
  return member?.active && member.email ? member.email : undefined;
}

/** Sends one notice to one person (a timer: an SMTP failure is retried with the timer's backoff). */
export async function sendNoticeEmail(deps: Deps, tx: Sql, timer: DueTimer): Promise<void> {
  const { actorId, organisationId } = timer.payload as { actorId: string; organisationId: string };
  const noticeId = timer.key.slice(0, timer.key.indexOf("/"));
  const notice = await findNotice(tx, noticeId);
  if (!notice || !deps.email) return;
  const preferences = (await findPreferences(tx, actorId)) ?? DEFAULT_PREFERENCES;
  if (!preferences.emailEnabled) return;
  const to = await currentAddress(deps, organisationId, actorId);
  if (!to) return;
  const { messageId } = await deps.email.mailer.send({ to, ...renderNoticeEmail(notice, deps.consoleUrl) });
  await recordDelivery(tx, {
    actorId,
    organisationId,
    kind: "notice",
    noticeIds: [notice.noticeId],
    messageId,
    sentAt: deps.clock.now(),
  });
  deps.logger.info({ event: "notice_emailed", noticeId: notice.noticeId, actorId }, "notice emailed");
}

/** Sends one person's digest of LOW notices, if anything waits for it. */
export async function sendDigest(deps: Deps, tx: Sql, timer: DueTimer): Promise<void> {
  const actorId = timer.key;
  const { organisationId } = timer.payload as { organisationId: string };
  const notices = await takeDigestItems(tx, actorId);
  if (notices.length === 0 || !deps.email) return;
  const preferences = (await findPreferences(tx, actorId)) ?? DEFAULT_PREFERENCES;
  if (!preferences.emailEnabled) return;
  const to = await currentAddress(deps, organisationId, actorId);
  if (!to) return;
  const { messageId } = await deps.email.mailer.send({
    to,
    ...renderDigestEmail(notices, preferences.digestFrequency, deps.consoleUrl),
  });
  await recordDelivery(tx, {
    actorId,
    organisationId,
    kind: "digest",
    noticeIds: notices.map((n) => n.noticeId),
    messageId,
    sentAt: deps.clock.now(),
  });
  deps.logger.info({ event: "digest_emailed", actorId, notices: notices.length }, "digest emailed");
}

/** A changed digest frequency moves a pending digest to the new window (or drops it: off). */
export async function rescheduleDigest(
  deps: Pick<NotificationsDeps, "clock">,
  tx: Sql,
  actor: { actorId: string; organisationId: string },
  frequency: Parameters<typeof nextDigestAt>[0],
  pending: boolean,
): Promise<void> {
  if (!pending) return;
  const at = nextDigestAt(frequency, deps.clock.now());
  if (!at) {
    await takeDigestItems(tx, actor.actorId);
    await cancelTimer(tx, DIGEST_TIMER, actor.actorId);
    return;
  }
  await scheduleTimer(tx, {
    kind: DIGEST_TIMER,
    key: actor.actorId,
    dueAt: at,
    payload: { actorId: actor.actorId, organisationId: actor.organisationId },
  });
}
