import { appendToOutbox, EventConsumer, type EventConsumerOptions, on, type ReceivedEvent } from "@kopru/bus";
import type { Actor, ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  type Purpose,
  ReferralStatus,
} from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, NoticeUrgency } from "@kopru/contracts/notification/v1/events";
import {
  type ContactDetailsUpdated,
  DisclosureKind,
  ReferralStatusChanged,
} from "@kopru/contracts/referral/v1/events";
import {
  type ContactAttempt,
  ContactAttemptMethod,
  ContactAttemptResult,
  type ListContactAttemptsRequest,
  type ListContactAttemptsResponse,
  type RecordContactAttemptRequest,
  type RecordContactAttemptResponse,
} from "@kopru/contracts/referral/v1/inbox_service";
import { ContactSection, ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { type CallContext, InvalidArgumentError, NotFoundError, unary, validate } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import { disclosureLedger } from "./consent-ledger.js";
import { ContactAttemptRefusedError } from "./contact-errors.js";
import {
  type ConsentForCheck,
  checkContactAttempt,
  consentCovers,
  dataContractFor,
  SAFE_CONTACT_TIME_ZONE,
  statusName,
} from "./domain/index.js";
import type { Acting } from "./lifecycle.js";
import { noticeIdFor } from "./notices.js";
import { type ReferralRecord, referralStore } from "./store.js";

// Safe contact at the target (ADR 0018): contact attempts are checked against the package's contact
// section and recorded when allowed; ContactDetailsUpdated from the referrer replaces that section in
// the packages the organisation holds.

/** A clock skew a caller's "now" may have over ours. */
const CLOCK_SKEW_MS = 60_000;

/** Statuses in which the organisation no longer works with the person: no contact on this referral. */
const NOT_HELD_FOR_CONTACT: readonly ReferralStatus[] = [
  ReferralStatus.REFERRAL_STATUS_DECLINED,
  ReferralStatus.REFERRAL_STATUS_CANCELLED,
  ReferralStatus.REFERRAL_STATUS_EXPIRED,
  ReferralStatus.REFERRAL_STATUS_REDIRECTED,
];

interface AttemptRow {
  attempt_id: string;
  referral_id: string;
  organisation_id: string;
  method: number;
  result: number;
  attempted_at: Date;
  recorded_at: Date;
  actor_kind: number;
  actor_id: string | null;
}

function attemptView(row: AttemptRow): ContactAttempt {
  return {
    attemptId: row.attempt_id,
    referralId: row.referral_id,
    method: row.method,
    attemptedAt: new Date(row.attempted_at),
    result: row.result,
    recordedBy: {
      kind: row.actor_kind,
      organisationId: row.organisation_id,
      actorId: row.actor_id ?? "",
      role: 0,
    } satisfies Actor,
    recordedAt: new Date(row.recorded_at),
  };
}

/** Persistence of contact attempts and contact-section updates in the service's own database. */
export const contactStore = {
  async attemptByRequest(sql: Sql, organisationId: string, requestId: string) {
    const rows = await sql.query<AttemptRow>(
      "SELECT * FROM referral_contact_attempts WHERE organisation_id = $1 AND request_id = $2",
      [organisationId, requestId],
    );
    return rows.rows[0];
  },

  /** Inserts the attempt unless the request id was used; returns whether it was new. */
  async insertAttempt(
    sql: Sql,
    attempt: {
      attemptId: string;
      referralId: string;
      organisationId: string;
      requestId: string;
      method: ContactAttemptMethod;
      result: ContactAttemptResult;
      attemptedAt: Date;
      recordedAt: Date;
      actorKind: ActorKind;
      actorId: string | undefined;
      internalNote: string | undefined;
    },
  ): Promise<boolean> {
    const inserted = await sql.query(
      `INSERT INTO referral_contact_attempts (attempt_id, referral_id, organisation_id, request_id, method,
         result, attempted_at, recorded_at, actor_kind, actor_id, internal_note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (organisation_id, request_id) DO NOTHING`,
      [
        attempt.attemptId,
        attempt.referralId,
        attempt.organisationId,
        attempt.requestId,
        attempt.method,
        attempt.result,
        attempt.attemptedAt,
        attempt.recordedAt,
        attempt.actorKind,
        attempt.actorId ?? null,
        attempt.internalNote ?? null,
      ],
    );
    return inserted.rowCount === 1;
  },

  async attempts(sql: Sql, referralId: string): Promise<ContactAttempt[]> {
    const rows = await sql.query<AttemptRow>(
      "SELECT * FROM referral_contact_attempts WHERE referral_id = $1 ORDER BY attempted_at, attempt_id",
      [referralId],
    );
    return rows.rows.map(attemptView);
  },

  /** Keeps an update for a referral not received yet (the higher version wins). */
  async keepPending(
    sql: Sql,
    pending: {
      referralId: string;
      organisationId: string;
      beneficiaryRef: string;
      version: number;
      contact: ContactSection;
    },
  ): Promise<void> {
    await sql.query(
      `INSERT INTO referral_contact_pending (referral_id, organisation_id, beneficiary_ref, version, contact)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (referral_id, organisation_id) DO UPDATE
         SET beneficiary_ref = EXCLUDED.beneficiary_ref, version = EXCLUDED.version, contact = EXCLUDED.contact
         WHERE referral_contact_pending.version < EXCLUDED.version`,
      [
        pending.referralId,
        pending.organisationId,
        pending.beneficiaryRef,
        pending.version,
        Buffer.from(ContactSection.encode(pending.contact).finish()),
      ],
    );
  },

  /** Takes (and removes) the update kept for a referral, if any. */
  async takePending(sql: Sql, referralId: string, organisationId: string) {
    const rows = await sql.query<{ beneficiary_ref: string; version: string | number; contact: Uint8Array }>(
      `DELETE FROM referral_contact_pending WHERE referral_id = $1 AND organisation_id = $2
       RETURNING beneficiary_ref, version, contact`,
      [referralId, organisationId],
    );
    const row = rows.rows[0];
    return row
      ? {
          beneficiaryRef: row.beneficiary_ref,
          version: Number(row.version),
          contact: ContactSection.decode(row.contact),
        }
      : undefined;
  },

  /** Replaces a held package (its contact section changed) unless it already carries `version` or later. */
  async replaceContact(
    sql: Sql,
    referralId: string,
    pkg: ReferralPackage,
    version: number,
  ): Promise<boolean> {
    const updated = await sql.query(
      `UPDATE referrals SET package = $2, contact_version = $3
        WHERE referral_id = $1 AND role = 'target' AND contact_version < $3`,
      [referralId, Buffer.from(ReferralPackage.encode(pkg).finish()), version],
    );
    return updated.rowCount === 1;
  },
};

function refusalOf(record: ReferralRecord, at: Date): ContactAttemptRefusedError | undefined {
  if (NOT_HELD_FOR_CONTACT.includes(record.status)) {
    return new ContactAttemptRefusedError(
      "referral_not_held_for_contact",
      `referral ${record.referralId} is ${statusName(record.status)}; contact the person only through a referral you still hold`,
    );
  }
  const contact = record.package.contact;
  if (!contact || !record.package.sharedDataCategories.includes(DataCategory.DATA_CATEGORY_CONTACT)) {
    return new ContactAttemptRefusedError(
      "contact_not_shared",
      `referral ${record.referralId} carries no contact section: how and when the person may be contacted safely is unknown here; contact them through the referrer`,
    );
  }
  const check = checkContactAttempt(contact, at);
  if (check.allowed) return undefined;
  if (check.reason === "not_safe_to_contact") {
    return new ContactAttemptRefusedError(
      "not_safe_to_contact",
      "the person is not safe to contact directly (e.g. a shared phone); contact them only through the referrer or as agreed in the safe times",
    );
  }
  const next = check.next;
  return new ContactAttemptRefusedError(
    "outside_safe_contact_window",
    next
      ? `${at.toISOString()} is outside the person's safe-contact windows; next allowed window: ${next.label} ${SAFE_CONTACT_TIME_ZONE}, from ${next.start.toISOString()} to ${next.end.toISOString()}`
      : `${at.toISOString()} is outside the person's safe-contact windows`,
    next?.start,
  );
}

/**
 * The inbox's RecordContactAttempt: the referral must be one the caller's organisation holds (else
 * NOT_FOUND) and still works with; the attempt must be allowed by the package's contact section at
 * `attempted_at` (else FAILED_PRECONDITION with the reason's code). An allowed attempt is stored and
 * audited (`contact-attempt`) in one transaction; a retry with the same request id returns it.
 */
export function recordContactAttemptRpc(deps: {
  db: { transaction<T>(run: (tx: Sql) => Promise<T>): Promise<T> };
  clock: { now(): Date };
  scopeOf(context: CallContext): Promise<{ organisationId: string; acting: Acting }>;
}) {
  return unary<RecordContactAttemptRequest, RecordContactAttemptResponse>(async (request, context) => {
    validate()
      .uuid(request.requestId, "request_id")
      .uuid(request.referralId, "referral_id")
      .enumValue(request.method, ContactAttemptMethod, "method")
      .enumValue(request.result, ContactAttemptResult, "result", { optional: true })
      .date(request.attemptedAt, "attempted_at", { optional: true })
      .maxLength(request.internalNote, 2000, "internal_note")
      .done();
    const scope = await deps.scopeOf(context);
    const now = deps.clock.now();
    const attemptedAt = request.attemptedAt ?? now;
    if (attemptedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      throw new InvalidArgumentError([{ field: "attempted_at", description: "must not be in the future" }]);
    }
    const row = await deps.db.transaction(async (tx) => {
      const earlier = await contactStore.attemptByRequest(tx, scope.organisationId, request.requestId);
      if (earlier) return reused(earlier, request.referralId);
      const record = await referralStore.find(tx, request.referralId, "target");
      if (!record || record.targetOrganisationId !== scope.organisationId)
        throw new NotFoundError("referral", request.referralId);
      const refusal = refusalOf(record, attemptedAt);
      if (refusal) throw refusal;
      const inserted = await contactStore.insertAttempt(tx, {
        attemptId: uuidv7(),
        referralId: record.referralId,
        organisationId: scope.organisationId,
        requestId: request.requestId,
        method: request.method,
        result: request.result,
        attemptedAt,
        recordedAt: now,
        actorKind: scope.acting.actor.kind,
        actorId: scope.acting.actorId,
        internalNote: request.internalNote?.trim() || undefined,
      });
      const stored = await contactStore.attemptByRequest(tx, scope.organisationId, request.requestId);
      if (!stored) throw new Error("contact attempt vanished after insert");
      if (!inserted) return reused(stored, request.referralId);
      await referralStore.audit(tx, {
        referralId: record.referralId,
        action: "contact-attempt",
        organisationId: scope.organisationId,
        actorId: scope.acting.actorId,
        token: scope.acting.token,
      });
      return stored;
    });
    return { contactAttempt: attemptView(row) };
  });
}

/**
 * The inbox's ListContactAttempts: the attempts recorded on a referral the caller's organisation holds
 * (else NOT_FOUND), oldest first; the read is audited (`read-contact-attempts`).
 */
export function listContactAttemptsRpc(deps: {
  db: { transaction<T>(run: (tx: Sql) => Promise<T>): Promise<T> };
  scopeOf(context: CallContext): Promise<{ organisationId: string; acting: Acting }>;
}) {
  return unary<ListContactAttemptsRequest, ListContactAttemptsResponse>(async (request, context) => {
    validate().uuid(request.referralId, "referral_id").done();
    const scope = await deps.scopeOf(context);
    const contactAttempts = await deps.db.transaction(async (tx) => {
      const record = await referralStore.find(tx, request.referralId, "target");
      if (!record || record.targetOrganisationId !== scope.organisationId)
        throw new NotFoundError("referral", request.referralId);
      await referralStore.audit(tx, {
        referralId: record.referralId,
        action: "read-contact-attempts",
        organisationId: scope.organisationId,
        actorId: scope.acting.actorId,
        token: scope.acting.token,
      });
      return contactStore.attempts(tx, record.referralId);
    });
    return { contactAttempts };
  });
}

function reused(row: AttemptRow, referralId: string): AttemptRow {
  if (row.referral_id !== referralId) {
    throw new InvalidArgumentError([
      { field: "request_id", description: "was already used for another referral's contact attempt" },
    ]);
  }
  return row;
}

/**
 * Applies a ContactDetailsUpdated addressed to `organisationId`: each named referral the organisation
 * holds as target, for that person, whose package carries the contact section, gets the new section
 * (unless it already has this version or a later one) and an audit row (`contact-updated`). A package
 * sent without the contact section never gains one.
 */
export async function applyContactUpdate(
  tx: Sql,
  organisationId: string,
  event: ReceivedEvent<ContactDetailsUpdated>,
  service = "referral",
): Promise<void> {
  const update = event.payload;
  const contact = update.contact;
  if (update.organisationId !== organisationId || !contact) return;
  for (const referralId of update.referralIds) {
    const record = await referralStore.find(tx, referralId, "target", { forUpdate: true });
    if (!record) {
      // The referral is still on its way (another consumer): applied when it arrives.
      await contactStore.keepPending(tx, {
        referralId,
        organisationId,
        beneficiaryRef: update.beneficiaryRef,
        version: update.version,
        contact,
      });
      continue;
    }
    await replaceHeldContact(
      tx,
      organisationId,
      record,
      { beneficiaryRef: update.beneficiaryRef, version: update.version, contact },
      service,
    );
  }
}

async function replaceHeldContact(
  tx: Sql,
  organisationId: string,
  record: ReferralRecord,
  update: { beneficiaryRef: string; version: number; contact: ContactSection },
  service: string,
): Promise<void> {
  if (
    record.targetOrganisationId !== organisationId ||
    record.beneficiaryRef !== update.beneficiaryRef ||
    !record.package.contact ||
    !record.package.sharedDataCategories.includes(DataCategory.DATA_CATEGORY_CONTACT)
  )
    return;
  const replaced = await contactStore.replaceContact(
    tx,
    record.referralId,
    { ...record.package, contact: update.contact },
    update.version,
  );
  if (!replaced) return;
  await referralStore.audit(tx, { referralId: record.referralId, action: "contact-updated", organisationId });
  // The organisation's caseworkers are told (ids and codes only): urgently when the person became
  // unsafe to contact.
  const now = new Date();
  await appendToOutbox(
    tx,
    { organisationId, service },
    {
      definition: EVENTS.staffNotice,
      payload: {
        // One per referral and contact version: a re-run publishes the same id (dropped downstream).
        noticeId: noticeIdFor("safe-contact", record.referralId, update.version),
        organisationId,
        recipient: { $case: "role", value: "caseworker" },
        kind: NoticeKind.NOTICE_KIND_SAFE_CONTACT_CHANGED,
        urgency:
          record.package.contact?.safeToContact && !update.contact.safeToContact
            ? NoticeUrgency.NOTICE_URGENCY_URGENT
            : NoticeUrgency.NOTICE_URGENCY_NORMAL,
        referralId: record.referralId,
        caseId: undefined,
        serviceType: record.serviceType,
        priority: record.priority,
        status: record.status,
        dueAt: undefined,
        occurredAt: now,
        sourceService: service,
      },
      aggregate: { type: "staff-notice", id: record.referralId, sequence: update.version },
      correlationId: record.rootReferralId,
      occurredAt: now,
    },
  );
}

/**
 * Right after a referral is received: a contact update that overtook it (kept pending) is applied now,
 * under the same rules.
 */
export async function applyPendingContact(
  tx: Sql,
  organisationId: string,
  referralId: string,
  service = "referral",
): Promise<void> {
  if (!referralId) return;
  const pending = await contactStore.takePending(tx, referralId, organisationId);
  if (!pending) return;
  const record = await referralStore.find(tx, referralId, "target", { forUpdate: true });
  if (record) await replaceHeldContact(tx, organisationId, record, pending, service);
}

/**
 * The durable consumer of the contact updates addressed to one hosted organisation; `afterCommit`
 * wakes the outbox relay for the staff notice it writes.
 */
export function contactUpdateConsumer(
  service: string,
  organisationId: string,
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
  afterCommit?: () => void,
): EventConsumer {
  return new EventConsumer({
    ...base,
    name: `${service}-${organisationId}-contact`,
    stream: STREAMS.referral.name,
    filterSubject: SUBJECTS.contactUpdatedFor(organisationId),
    // Not ordered: a holder sees only the versions sent while it held a package, so it keeps the
    // highest version instead of waiting for predecessors it will never get.
    handlers: [
      on(EVENTS.contactDetailsUpdated, (tx, event) => applyContactUpdate(tx, organisationId, event, service)),
    ],
    ...(afterCommit ? { afterCommit } : {}),
  });
}

/** More referrals than one person ever has; a bound so the read stays one query. */
const MAX_REFERRALS_PER_PERSON = 10_000;

/** A change of a person's contact section at the referrer, to be announced to its holders. */
export interface ContactChange {
  /** The referrer: the organisation whose referrals carried the section. */
  organisationId: string;
  service: string;
  beneficiaryRef: string;
  contact: ContactSection | undefined;
  version: number;
  at: Date;
  actor?: Actor | undefined;
}

/** What the referrer knows that the referral tables do not hold. */
export interface ContactChangePorts {
  /** A consent the referrer recorded (its scope, expiry and withdrawal), or undefined. */
  consentOf(consentId: string): Promise<ConsentForCheck | undefined>;
  /** An organisation's partner kind from the directory, or undefined when it is not listed. */
  partnerKindOf(organisationId: string): Promise<PartnerKind | undefined>;
}

/**
 * After the person's contact section changed at the referrer, in that transaction: appends one
 * ContactDetailsUpdated per holder of the section (see `contactHolders`), naming only the holder's
 * referrals, and its row in the disclosure ledger. Returns the holders told, in name order.
 */
export async function announceContactChange(
  tx: Sql,
  change: ContactChange,
  ports: ContactChangePorts,
): Promise<string[]> {
  const holders = await contactHolders(tx, change, ports);
  const producer = { organisationId: change.organisationId, service: change.service };
  for (const [holder, { referralIds, source }] of holders) {
    await appendToOutbox(tx, producer, {
      definition: EVENTS.contactDetailsUpdated,
      payload: {
        beneficiaryRef: change.beneficiaryRef,
        organisationId: holder,
        referralIds,
        contact: change.contact,
        version: change.version,
        updatedAt: change.at,
        referrerOrganisationId: change.organisationId,
      },
      // Versioned per person; each holder keeps the highest version it has seen.
      aggregate: { type: "beneficiary-contact", id: change.beneficiaryRef, sequence: change.version },
      correlationId: change.beneficiaryRef,
      occurredAt: change.at,
    });
    // The ledger row (same transaction as the outbox row), under the consent and purpose it was sent by.
    await disclosureLedger.record(tx, {
      disclosureId: uuidv7(),
      kind: DisclosureKind.DISCLOSURE_KIND_CONTACT_UPDATE,
      ledgerOrganisationId: change.organisationId,
      beneficiaryRef: change.beneficiaryRef,
      referralId: referralIds[0],
      rootReferralId: source.rootReferralId,
      senderOrganisationId: change.organisationId,
      recipientOrganisationId: holder,
      dataCategories: [DataCategory.DATA_CATEGORY_CONTACT],
      purpose: source.purpose,
      consentId: source.consentId,
      freshConsent: false,
      disclosedAt: change.at,
      disclosedBy: change.actor ? { kind: change.actor.kind, actorId: change.actor.actorId } : undefined,
      reported: false,
    });
  }
  return [...holders.keys()];
}

/** One of the referrer's own referrals that carried the contact section, under a consent it holds. */
interface ContactSource {
  referralId: string;
  rootReferralId: string;
  consentId: string;
  purpose: Purpose;
  consent: ConsentForCheck;
}

function contractTakesContact(serviceType: number): boolean {
  try {
    const contract = dataContractFor(serviceType);
    return [...contract.required, ...contract.optional].includes(DataCategory.DATA_CATEGORY_CONTACT);
  } catch {
    return false;
  }
}

async function chainEvents(sql: Sql, rootReferralId: string): Promise<ReferralStatusChanged[]> {
  const rows = await sql.query<{ event: Uint8Array }>(
    "SELECT event FROM referral_chain_events WHERE root_referral_id = $1 ORDER BY occurred_at, referral_id, sequence",
    [rootReferralId],
  );
  return rows.rows.map((r) => ReferralStatusChanged.decode(r.event));
}

/**
 * Holder organisation → its referrals that carry (or, down a chain, may carry) the person's contact
 * section, and the own referral whose consent the section is sent under. The referrer's own referrals
 * count when their package has the section; a redirect or onward referral further down such a chain
 * counts when its service's data contract takes contact data (the referrer never sees those packages,
 * only their PII-free status events). Either way the consent of the own referral must cover the holder,
 * the referral's purpose and contact data now: a holder down the chain may have been reached under a
 * fresh consent the referrer never saw, which is no ground for the referrer to send it anything.
 */
async function contactHolders(
  tx: Sql,
  change: ContactChange,
  ports: ContactChangePorts,
): Promise<Map<string, { referralIds: string[]; source: ContactSource }>> {
  const { organisationId, at } = change;
  const own: ReferralRecord[] = await referralStore.sent(tx, {
    organisationIds: [organisationId],
    statuses: [],
    beneficiaryRef: change.beneficiaryRef,
    limit: MAX_REFERRALS_PER_PERSON,
    offset: 0,
  });
  const consents = new Map<string, ConsentForCheck | undefined>();
  const consentOf = async (consentId: string) => {
    if (!consents.has(consentId)) consents.set(consentId, await ports.consentOf(consentId));
    return consents.get(consentId);
  };
  const covers = async (source: ContactSource, holder: string, ownTarget: boolean) => {
    const kind = await ports.partnerKindOf(holder);
    const coverage = consentCovers(source.consent, {
      targetOrganisationId: holder,
      targetPartnerKind: kind ?? PartnerKind.PARTNER_KIND_UNSPECIFIED,
      purpose: source.purpose,
      dataCategories: [DataCategory.DATA_CATEGORY_CONTACT],
      at,
    });
    if (coverage.covered) return true;
    // An own target was checked against the consent when the package was sent: one the directory
    // no longer lists is still covered by the kind it had then.
    return (
      ownTarget && kind === undefined && coverage.problems.every((p) => p.kind === "organisation_not_covered")
    );
  };
  const held = new Map<string, { referralIds: Set<string>; source: ContactSource }>();
  const add = async (holder: string, referralId: string, source: ContactSource, ownTarget: boolean) => {
    if (!holder || holder === organisationId) return;
    if (!(await covers(source, holder, ownTarget))) return;
    const entry = held.get(holder) ?? { referralIds: new Set<string>(), source };
    entry.referralIds.add(referralId);
    held.set(holder, entry);
  };
  const ownIds = new Set(own.map((r) => r.referralId));
  // Own referrals whose package carries the section: only what descends from them can carry it.
  const sources = new Map<string, ContactSource>();
  const roots = new Set<string>();
  for (const referral of own) {
    if (!referral.package.sharedDataCategories.includes(DataCategory.DATA_CATEGORY_CONTACT)) continue;
    const consent = await consentOf(referral.consentId);
    if (!consent) continue;
    const source: ContactSource = {
      referralId: referral.referralId,
      rootReferralId: referral.rootReferralId,
      consentId: referral.consentId,
      purpose: referral.purpose,
      consent,
    };
    sources.set(referral.referralId, source);
    roots.add(referral.rootReferralId);
    await add(referral.targetOrganisationId, referral.referralId, source, true);
  }
  for (const root of roots) {
    const events = await chainEvents(tx, root);
    const parentOf = new Map(events.map((e) => [e.referralId, e.parentReferralId]));
    /** The nearest own referral carrying the section that `referralId` descends from. */
    const sourceOf = (referralId: string) => {
      const seen = new Set<string>();
      for (let id = parentOf.get(referralId); id && !seen.has(id); id = parentOf.get(id)) {
        const source = sources.get(id);
        if (source) return source;
        seen.add(id);
      }
      return undefined;
    };
    for (const event of events) {
      if (ownIds.has(event.referralId) || !contractTakesContact(event.serviceType)) continue;
      const source = sourceOf(event.referralId);
      if (source) await add(event.targetOrganisationId, event.referralId, source, false);
    }
  }
  return new Map(
    [...held.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([holder, { referralIds, source }]) => [holder, { referralIds: [...referralIds].sort(), source }]),
  );
}
