import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { type ProblemError, type RequestOf, rpc } from "../../api/client.js";
import { rpcKey } from "../../api/hooks.js";
import { useSession } from "../../api/session.js";
import { type Column, DataTable } from "../../components/DataTable.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { PRIORITIES, SERVICE_TYPES, useOrganisations } from "../directory/directory-data.js";
import { ReRouteDialog, shortId } from "./ReRouteDialog.js";
import { mayOfferReRoute, type OverdueReferral, overdueSeconds } from "./reroute.js";
import "./overdue.css";

type Mode = "answer" | "followUp";
const PAGE_SIZE = 100;

export default function OverduePage() {
  const { t } = useTranslation("overdue");
  const { t: tc } = useTranslation();
  const format = useFormat();
  const vocabulary = useVocabulary();
  const session = useSession();
  const { organisations, nameOf } = useOrganisations();
  const coordinator = session.roles.includes("coordinator");

  const [mode, setMode] = useState<Mode>("answer");
  const [includeExpired, setIncludeExpired] = useState(true);
  const [serviceType, setServiceType] = useState("");
  const [priority, setPriority] = useState("");
  const [target, setTarget] = useState("");
  const [open, setOpen] = useState<OverdueReferral>();
  const [done, setDone] = useState<string>();
  // Asked for in this visit: coordination records a request when it has processed its event, which
  // may come after the list is read again; until then the row already says so.
  const [requested, setRequested] = useState<ReadonlySet<string>>(new Set());
  const rerouteRequested = (row: OverdueReferral) =>
    row.rerouteRequested === true || requested.has(row.referral?.referralId ?? "");

  const followUp = mode === "followUp";
  const request = useMemo((): RequestOf<"coordination", "ListOverdueReferrals"> => {
    const body: RequestOf<"coordination", "ListOverdueReferrals"> = {};
    if (followUp) body.followUp = true;
    else body.includeExpired = includeExpired;
    if (serviceType) body.serviceTypes = [serviceType as (typeof SERVICE_TYPES)[number]];
    if (priority) body.priorities = [priority as (typeof PRIORITIES)[number]];
    if (target) body.targetOrganisationIds = [target];
    return body;
  }, [followUp, includeExpired, serviceType, priority, target]);

  const list = useInfiniteQuery({
    queryKey: rpcKey("coordination", "ListOverdueReferrals", request),
    queryFn: ({ pageParam, signal }) =>
      rpc(
        "coordination",
        "ListOverdueReferrals",
        { ...request, page: { pageSize: PAGE_SIZE, pageToken: pageParam } },
        { signal },
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.page?.nextPageToken || undefined,
  });
  const error = list.error as ProblemError | null;
  const rows = useMemo(() => (list.data?.pages ?? []).flatMap((page) => page.referrals ?? []), [list.data]);
  const total = list.data?.pages[0]?.page?.totalSize;

  const columns: Column<OverdueReferral>[] = [
    {
      key: "referral",
      header: t("column.referral"),
      render: (row) => <code>{shortId(row.referral?.referralId)}</code>,
      value: (row) => row.referral?.referralId,
    },
    {
      key: "target",
      header: t("column.target"),
      render: (row) => <bdi>{nameOf(row.referral?.targetOrganisationId)}</bdi>,
      value: (row) => nameOf(row.referral?.targetOrganisationId),
    },
    {
      key: "referrer",
      header: t("column.referrer"),
      render: (row) => <bdi>{nameOf(row.referral?.referrerOrganisationId)}</bdi>,
      value: (row) => nameOf(row.referral?.referrerOrganisationId),
    },
    {
      key: "service",
      header: t("column.service"),
      render: (row) => vocabulary(row.referral?.serviceType),
      value: (row) => vocabulary(row.referral?.serviceType),
    },
    {
      key: "priority",
      header: t("column.priority"),
      render: (row) => vocabulary(row.referral?.priority),
      value: (row) => vocabulary(row.referral?.priority),
    },
    {
      key: "status",
      header: t("column.status"),
      render: (row) => <span className="status">{vocabulary(row.referral?.status)}</span>,
      value: (row) => vocabulary(row.referral?.status),
    },
    {
      key: "deadline",
      header: followUp ? t("column.followUpDue") : t("column.respondBy"),
      render: (row) => format.dateTime(followUp ? row.referral?.followUpDueAt : row.referral?.respondBy),
      value: (row) => (followUp ? row.referral?.followUpDueAt : row.referral?.respondBy) ?? null,
    },
    {
      key: "overdue",
      header: t("column.overdue"),
      numeric: true,
      render: (row) => (
        <span className="overdue-label">
          {t("overdueBy", { duration: format.duration(overdueSeconds(row)) })}
        </span>
      ),
      value: (row) => overdueSeconds(row),
    },
    {
      key: "reroute",
      header: t("column.reroute"),
      render: (row) =>
        rerouteRequested(row) ? (
          <span className="status">{t("rerouteRequested")}</span>
        ) : coordinator && mayOfferReRoute(row, followUp) ? (
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              setDone(undefined);
              setOpen(row);
            }}
          >
            {t("requestReroute")}
            <span className="visually-hidden">
              {" "}
              {t("forReferral", { id: shortId(row.referral?.referralId) })}
            </span>
          </button>
        ) : (
          <span className="hint">{t("rerouteNotAvailable")}</span>
        ),
      value: (row) => (rerouteRequested(row) ? t("rerouteRequested") : ""),
    },
  ];

  return (
    <Page title={tc("nav.overdue")}>
      <p className="hint">{followUp ? t("intro.followUp") : t("intro.answer")}</p>
      <form className="overdue-filters" onSubmit={(event) => event.preventDefault()}>
        <fieldset>
          <legend>{t("filters.legend")}</legend>
          <div className="form-row">
            <fieldset className="inline-choices">
              <legend>{t("filters.deadline")}</legend>
              <label className="choice">
                <input type="radio" name="mode" checked={!followUp} onChange={() => setMode("answer")} />
                <span>{t("filters.answerDeadline")}</span>
              </label>
              <label className="choice">
                <input type="radio" name="mode" checked={followUp} onChange={() => setMode("followUp")} />
                <span>{t("filters.followUpDeadline")}</span>
              </label>
            </fieldset>
            {followUp ? null : (
              <label className="choice">
                <input
                  type="checkbox"
                  checked={includeExpired}
                  onChange={(event) => setIncludeExpired(event.target.checked)}
                />
                <span>{t("filters.includeExpired")}</span>
              </label>
            )}
          </div>
          <div className="form-row">
            <label>
              {t("column.service")}
              <select value={serviceType} onChange={(event) => setServiceType(event.target.value)}>
                <option value="">{t("filters.all")}</option>
                {SERVICE_TYPES.map((value) => (
                  <option key={value} value={value}>
                    {vocabulary(value)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("column.priority")}
              <select value={priority} onChange={(event) => setPriority(event.target.value)}>
                <option value="">{t("filters.all")}</option>
                {PRIORITIES.map((value) => (
                  <option key={value} value={value}>
                    {vocabulary(value)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("column.target")}
              <select value={target} onChange={(event) => setTarget(event.target.value)}>
                <option value="">{t("filters.all")}</option>
                {organisations.map((organisation) => (
                  <option key={organisation.organisationId} value={organisation.organisationId}>
                    {organisation.name || organisation.organisationId}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </fieldset>
      </form>
      <div role="status" className="overdue-status">
        {done ? <p className="notice-ok">{t("rerouteDone", { id: shortId(done) })}</p> : null}
      </div>
      {list.isPending ? <Loading /> : null}
      <ProblemMessage error={error} />
      {list.data ? (
        <>
          <p className="hint">
            {total !== undefined
              ? t("shownOfTotal", { shown: format.number(rows.length), total: format.number(total) })
              : t("shown", { shown: format.number(rows.length) })}
          </p>
          <DataTable
            caption={followUp ? t("caption.followUp") : t("caption.answer")}
            exportName={followUp ? "follow-up-overdue-referrals" : "overdue-referrals"}
            columns={columns}
            rows={rows}
            rowKey={(row) => row.referral?.referralId ?? ""}
            rowClassName={() => "overdue"}
            empty={t("empty")}
          />
          {list.hasNextPage ? (
            <button
              type="button"
              className="button secondary"
              disabled={list.isFetchingNextPage}
              onClick={() => void list.fetchNextPage()}
            >
              {list.isFetchingNextPage ? tc("state.loading") : t("more")}
            </button>
          ) : null}
        </>
      ) : null}
      {open ? (
        <ReRouteDialog
          entry={open}
          followUp={followUp}
          onClose={() => setOpen(undefined)}
          onDone={(referralId) => {
            setOpen(undefined);
            setDone(referralId);
            setRequested(new Set([...requested, referralId]));
          }}
        />
      ) : null}
    </Page>
  );
}
