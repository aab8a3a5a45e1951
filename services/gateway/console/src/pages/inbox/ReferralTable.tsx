import { useNavigate } from "@tanstack/react-router";
import { type MouseEvent, type ReactNode, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../api/session.js";
import { type Column, DataTable } from "../../components/DataTable.js";
import type { Gathered } from "../../export.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { deadlineText, useDeadlineWords } from "./Deadline.js";
import { type DeadlineState, followUpDeadline, responseDeadline } from "./deadlines.js";
import type { InboxReferral } from "./types.js";
import "./inbox.css";

/** The short form of a referral id people read aloud on the phone: its last eight characters. */
export function shortId(referralId: string | undefined): string {
  // The end of the id: ids are time-ordered, so their first characters are the same for a day's referrals.
  return referralId ? `…${referralId.slice(-8)}` : "";
}

/** Where a referral's page is, under the console's base path (ids only, never personal data). */
export function referralHref(referralId: string): string {
  return `${import.meta.env.BASE_URL}referrals/${encodeURIComponent(referralId)}`;
}

export interface Selection {
  selected: ReadonlySet<string>;
  toggle(referralId: string): void;
  setAll(referralIds: readonly string[], on: boolean): void;
}

/**
 * The received referrals as a table (inbox, my cases, follow-ups). `emphasis` says which deadline
 * marks a row overdue: the answer deadline in the inbox, the follow-up deadline in follow-ups.
 * Everything per row is computed once per render from the page's single clock, never fetched.
 */
export function ReferralTable({
  referrals,
  caption,
  exportName,
  now,
  emphasis = "response",
  selection,
  empty,
  exportAll,
}: {
  referrals: readonly InboxReferral[];
  caption: string;
  exportName: string;
  now: number;
  emphasis?: "response" | "followUp";
  selection?: Selection | undefined;
  empty?: string;
  /** Gathers the whole filtered list for an export (see `usePagedInbox`). */
  exportAll?: () => Promise<Gathered<InboxReferral>>;
}) {
  const { t } = useTranslation("inbox");
  const format = useFormat();
  const vocabulary = useVocabulary();
  const words = useDeadlineWords();
  const session = useSession();
  const navigate = useNavigate();
  // Plain links with one navigation handler: a router <Link> per row would compute its location on
  // every render, which a 500-row inbox feels. Modified clicks (new tab…) stay the browser's.
  const open = (event: MouseEvent<HTMLAnchorElement>, referralId: string) => {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    void navigate({ to: "/referrals/$referralId", params: { referralId } });
  };

  const states = useMemo(() => {
    const map = new Map<string, { response: DeadlineState; followUp: DeadlineState }>();
    for (const referral of referrals)
      map.set(referral.referralId ?? "", {
        response: responseDeadline(referral, now),
        followUp: followUpDeadline(referral, now),
      });
    return map;
  }, [referrals, now]);
  const stateOf = (referral: InboxReferral) =>
    states.get(referral.referralId ?? "") ?? { response: "none" as const, followUp: "none" as const };

  const assignee = (referral: InboxReferral): string =>
    !referral.assigneeActorId
      ? t("assignee.nobody")
      : referral.assigneeActorId === session.staffId
        ? t("assignee.me")
        : t("assignee.colleague");

  const columns: Column<InboxReferral>[] = [
    {
      key: "referral",
      header: t("column.referral"),
      render: (referral) => (
        <a
          href={referralHref(referral.referralId ?? "")}
          onClick={(event) => open(event, referral.referralId ?? "")}
          aria-label={t("openReferral", { id: shortId(referral.referralId) })}
        >
          <code dir="ltr">{shortId(referral.referralId)}</code>
        </a>
      ),
      value: (referral) => referral.referralId,
    },
    {
      key: "status",
      header: t("column.status"),
      render: (referral) => <span className="status">{vocabulary(referral.status)}</span>,
      value: (referral) => vocabulary(referral.status),
    },
    {
      key: "service",
      header: t("column.serviceType"),
      render: (referral) => vocabulary(referral.serviceType),
      value: (referral) => vocabulary(referral.serviceType),
    },
    {
      key: "priority",
      header: t("column.priority"),
      render: (referral) => vocabulary(referral.priority),
      value: (referral) => vocabulary(referral.priority),
    },
    {
      key: "referrer",
      header: t("column.referrer"),
      render: (referral) => <bdi>{referral.referrer?.displayName ?? referral.referrer?.organisationId}</bdi>,
      value: (referral) => referral.referrer?.displayName ?? referral.referrer?.organisationId,
    },
    {
      key: "requested",
      header: t("column.requested"),
      render: (referral) => format.date(referral.requestedAt),
      value: (referral) => referral.requestedAt,
    },
    emphasis === "response"
      ? {
          key: "respondBy",
          header: t("column.respondBy"),
          render: (referral) =>
            deadlineText(referral.respondBy, stateOf(referral).response, now, format, words),
          value: (referral) => joinWords(referral.respondBy, words(stateOf(referral).response)),
        }
      : {
          key: "followUp",
          header: t("column.followUpDue"),
          render: (referral) =>
            deadlineText(referral.followUpDueAt, stateOf(referral).followUp, now, format, words),
          value: (referral) => joinWords(referral.followUpDueAt, words(stateOf(referral).followUp)),
        },
    {
      key: "assignee",
      header: t("column.assignee"),
      render: assignee,
      value: assignee,
    },
  ];

  const ids = referrals.map((referral) => referral.referralId ?? "");
  const allSelected =
    selection !== undefined && ids.length > 0 && ids.every((id) => selection.selected.has(id));
  const someSelected = selection !== undefined && ids.some((id) => selection.selected.has(id));

  let leading: { header: ReactNode; cell(row: InboxReferral): ReactNode } | undefined;
  if (selection) {
    leading = {
      header: (
        <label className="select-cell">
          <input
            type="checkbox"
            checked={allSelected}
            ref={(input) => {
              if (input) input.indeterminate = someSelected && !allSelected;
            }}
            onChange={(event) => selection.setAll(ids, event.target.checked)}
          />
          <span className="visually-hidden">{t("select.all")}</span>
        </label>
      ),
      cell: (referral) => (
        <label className="select-cell">
          <input
            type="checkbox"
            checked={selection.selected.has(referral.referralId ?? "")}
            onChange={() => selection.toggle(referral.referralId ?? "")}
          />
          <span className="visually-hidden">{t("select.one", { id: shortId(referral.referralId) })}</span>
        </label>
      ),
    };
  }

  return (
    <DataTable
      caption={caption}
      exportName={exportName}
      columns={columns}
      rows={referrals}
      rowKey={(referral) => referral.referralId ?? ""}
      rowClassName={(referral) => (stateOf(referral)[emphasis] === "overdue" ? "overdue" : undefined)}
      empty={empty ?? t("empty")}
      {...(leading ? { leading } : {})}
      {...(exportAll ? { exportAll } : {})}
    />
  );
}

function joinWords(at: string | undefined, words: string): string {
  return [at ?? "", words].filter(Boolean).join(" ");
}

/** Previous / next page and the page size, for a list walked with page tokens. */
export function Pager({
  pageNumber,
  pageSize,
  pageSizes,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  onPageSize,
  shown,
  total,
}: {
  pageNumber: number;
  pageSize: number;
  pageSizes: readonly number[];
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious(): void;
  onNext(): void;
  onPageSize(size: number): void;
  shown: number;
  total: number | undefined;
}) {
  const { t } = useTranslation("inbox");
  const format = useFormat();
  return (
    <nav className="pager" aria-label={t("pager.label")}>
      <button type="button" className="button secondary" disabled={!hasPrevious} onClick={onPrevious}>
        {t("pager.previous")}
      </button>
      <span>{t("pager.page", { page: format.number(pageNumber) })}</span>
      <button type="button" className="button secondary" disabled={!hasNext} onClick={onNext}>
        {t("pager.next")}
      </button>
      <label className="pager-size">
        <span>{t("pager.size")}</span>
        <select value={pageSize} onChange={(event) => onPageSize(Number(event.target.value))}>
          {pageSizes.map((size) => (
            <option key={size} value={size}>
              {format.number(size)}
            </option>
          ))}
        </select>
      </label>
      <span role="status" className="hint">
        {total === undefined
          ? t("pager.shown", { count: shown, shown: format.number(shown) })
          : t("pager.shownOf", { count: total, shown: format.number(shown), total: format.number(total) })}
      </span>
    </nav>
  );
}
