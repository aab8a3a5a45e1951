import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { type ProblemError, type RequestOf, rpc } from "../../api/client.js";
import { rpcKey } from "../../api/hooks.js";
import { type Column, DataTable } from "../../components/DataTable.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { useOrganisations } from "../directory/directory-data.js";
import { useNow } from "../inbox/useNow.js";
import { shortId } from "../overdue/ReRouteDialog.js";
import {
  byUrgency,
  confirmedHolders,
  type ErasureRequest,
  type HolderState,
  holdersByUrgency,
  KVKK_TIME_ZONE,
  type KvkkClock,
  kvkkClock,
  kvkkDueAt,
  mergeReports,
  summarise,
} from "./kvkk.js";
import "./erasures.css";

// The network-wide erasure requests (ADR 0023) as the coordinator follows them: the 30-day KVKK
// clock of each, and who still has to confirm. Coordination holds ids, organisations, codes and
// times only, and that is all this page shows: the request's reference, never the person.

/** Coordination's largest page; the network makes tens of requests a month, not thousands. */
const PAGE_SIZE = 500;

type ListRequest = RequestOf<"coordination", "ListErasureRequests">;

/** One filter's requests, page after page ("show more"). */
function useErasureList(request: ListRequest, enabled: boolean) {
  const list = useInfiniteQuery({
    queryKey: rpcKey("coordination", "ListErasureRequests", request),
    queryFn: ({ pageParam, signal }) =>
      rpc(
        "coordination",
        "ListErasureRequests",
        { ...request, page: { pageSize: PAGE_SIZE, pageToken: pageParam } },
        { signal },
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.page?.nextPageToken || undefined,
    enabled,
  });
  const rows = useMemo(
    () => (list.data?.pages ?? []).flatMap((page) => page.erasureRequests ?? []),
    [list.data],
  );
  return { list, rows };
}

/** A mark beside the clock's words, so its state does not rest on colour (glyphs common fonts have). */
const GLYPH: Partial<Record<KvkkClock["state"], string>> = {
  overdue: "⚠",
  today: "⚠",
  soon: "◔",
  completed: "✓",
  completedLate: "⚠",
};

export default function ErasureRequestsPage() {
  const { t } = useTranslation("erasures");
  const { t: tc } = useTranslation();
  const format = useFormat();
  const vocabulary = useVocabulary();
  const { nameOf } = useOrganisations();
  const now = useNow();
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [includeCompleted, setIncludeCompleted] = useState(true);

  // Open requests come in their own list, oldest KVKK date first: however many completed ones there
  // are, the urgent ones are on its first page. Completed ones come from a second list when shown.
  const open = useErasureList({ overdueOnly, includeCompleted: false }, true);
  const withCompleted = useErasureList({ includeCompleted: true }, includeCompleted && !overdueOnly);
  const completedShown = includeCompleted && !overdueOnly;
  const rows = useMemo(
    () =>
      byUrgency(
        mergeReports(open.rows, completedShown ? withCompleted.rows.filter((row) => row.completedAt) : []),
        now,
      ),
    [open.rows, withCompleted.rows, completedShown, now],
  );
  const lists = completedShown ? [open.list, withCompleted.list] : [open.list];
  const pending = lists.some((list) => list.isPending);
  const error = (lists.find((list) => list.error)?.error ?? null) as ProblemError | null;
  const more = lists.filter((list) => list.hasNextPage);
  const figures = summarise(rows, now);

  const day = (value: string | number | undefined) =>
    format.date(typeof value === "number" ? new Date(value) : value, KVKK_TIME_ZONE);
  const when = (value: string | undefined) => format.dateTime(value, KVKK_TIME_ZONE);

  const clockText = (clock: KvkkClock) => {
    switch (clock.state) {
      case "ahead":
      case "soon":
        return t("clock.daysLeft", { count: clock.days });
      case "today":
        return t("clock.dueToday");
      case "overdue":
        return t("clock.overdue", { count: clock.days });
      case "completed":
        return t("clock.completed");
      case "completedLate":
        return t("clock.completedLate", { count: clock.days });
      default:
        return t("clock.unknown");
    }
  };

  const holderText = (state: HolderState) =>
    state.state === "confirmed"
      ? t("holder.confirmed", { at: when(state.at), result: vocabulary(state.result) })
      : state.state === "overdue"
        ? t("holder.overdue", { since: when(state.since) })
        : t("holder.waiting", { by: when(state.by) });

  const statusText = (row: ErasureRequest) =>
    row.completedAt
      ? t("status.completed", { date: day(row.completedAt) })
      : t("status.inProgress", {
          confirmed: format.number(confirmedHolders(row, now)),
          total: format.number(row.holders?.length ?? 0),
        });

  const columns: Column<ErasureRequest>[] = [
    {
      key: "request",
      header: t("column.request"),
      // An id reads left to right in Arabic too: its leading "…" stays in front.
      render: (row) => <code dir="ltr">{shortId(row.erasureRequestId)}</code>,
      value: (row) => row.erasureRequestId,
    },
    {
      key: "requester",
      header: t("column.requester"),
      render: (row) => <bdi>{nameOf(row.requesterOrganisationId)}</bdi>,
      value: (row) => nameOf(row.requesterOrganisationId),
    },
    {
      key: "reason",
      header: t("column.reason"),
      render: (row) => vocabulary(row.reason),
      value: (row) => vocabulary(row.reason),
    },
    {
      key: "received",
      header: t("column.received"),
      render: (row) => <time dateTime={row.requestedAt}>{day(row.requestedAt)}</time>,
      value: (row) => row.requestedAt,
    },
    {
      key: "due",
      header: t("column.kvkkDue"),
      render: (row) => {
        const due = kvkkDueAt(row);
        return due === undefined ? "—" : <time dateTime={new Date(due).toISOString()}>{day(due)}</time>;
      },
      value: (row) => {
        const due = kvkkDueAt(row);
        return due === undefined ? null : new Date(due).toISOString();
      },
    },
    {
      key: "clock",
      header: t("column.clock"),
      render: (row) => {
        const clock = kvkkClock(row, now);
        const glyph = GLYPH[clock.state];
        return (
          <span className={`kvkk-clock kvkk-${clock.state}`}>
            {glyph ? <span aria-hidden="true">{glyph} </span> : null}
            {clockText(clock)}
          </span>
        );
      },
      value: (row) => clockText(kvkkClock(row, now)),
    },
    {
      key: "status",
      header: t("column.status"),
      render: (row) => <span className="status">{statusText(row)}</span>,
      value: statusText,
    },
    {
      key: "holders",
      header: t("column.holders"),
      render: (row) =>
        (row.holders ?? []).length === 0 ? (
          <span className="hint">{t("holder.none")}</span>
        ) : (
          <ul className="erasure-holders">
            {holdersByUrgency(row.holders ?? [], now).map(({ holder, state }) => (
              <li key={holder.organisationId} className={`holder-${state.state}`}>
                {state.state === "overdue" ? <span aria-hidden="true">⚠ </span> : null}
                <bdi className="holder-name">{nameOf(holder.organisationId)}</bdi>
                {" — "}
                {holderText(state)}
              </li>
            ))}
          </ul>
        ),
      value: (row) =>
        (row.holders ?? []).length === 0
          ? t("holder.none")
          : holdersByUrgency(row.holders ?? [], now)
              .map(({ holder, state }) => `${nameOf(holder.organisationId)}: ${holderText(state)}`)
              .join("; "),
    },
  ];

  return (
    <Page title={tc("nav.erasures")}>
      <p className="hint">{t("intro")}</p>
      <p className="hint">{t("timeZone")}</p>
      <form className="erasure-filters" onSubmit={(event) => event.preventDefault()}>
        <fieldset>
          <legend>{t("filters.legend")}</legend>
          <label className="choice">
            <input
              type="checkbox"
              checked={overdueOnly}
              onChange={(event) => setOverdueOnly(event.target.checked)}
            />
            <span>{t("filters.overdueOnly")}</span>
          </label>
          <label className="choice">
            <input
              type="checkbox"
              checked={includeCompleted}
              disabled={overdueOnly}
              onChange={(event) => setIncludeCompleted(event.target.checked)}
            />
            <span>{t("filters.includeCompleted")}</span>
          </label>
        </fieldset>
      </form>
      {pending ? <Loading /> : null}
      <ProblemMessage error={error} />
      {!pending && !error ? (
        <>
          <ul className="erasure-summary">
            <li className={figures.pastDue > 0 ? "kvkk-overdue" : undefined}>
              {t("summary.pastDue", { count: figures.pastDue })}
            </li>
            <li className={figures.holderOverdue > 0 ? "kvkk-soon" : undefined}>
              {t("summary.holderOverdue", { count: figures.holderOverdue })}
            </li>
            <li>{t("summary.open", { count: figures.open })}</li>
          </ul>
          <DataTable
            caption={t("caption")}
            exportName="erasure-requests"
            columns={columns}
            rows={rows}
            rowKey={(row) => row.erasureRequestId ?? ""}
            rowClassName={(row) => (kvkkClock(row, now).state === "overdue" ? "overdue" : undefined)}
            empty={t("empty")}
          />
          {more.length > 0 ? (
            <button
              type="button"
              className="button secondary"
              disabled={more.some((list) => list.isFetchingNextPage)}
              onClick={() => {
                for (const list of more) void list.fetchNextPage();
              }}
            >
              {more.some((list) => list.isFetchingNextPage) ? tc("state.loading") : t("more")}
            </button>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
