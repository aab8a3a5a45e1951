import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { rpc } from "../../api/client.js";
import { useRpcQuery } from "../../api/hooks.js";
import { useSession } from "../../api/session.js";
import { type Column, DataTable } from "../../components/DataTable.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { gatherAll } from "../../export.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { OutboxPanel } from "../../offline/OutboxPanel.js";
import { useListFormat } from "./list-format.js";
import { isOverdue, outcomeValues, type Referral, type ReferralStatus, STATUSES } from "./referral-text.js";
import "./my-referrals.css";

const PAGE_SIZE = 100;

/** The referrals the caller's organisation made, newest first, with their status and outcome. */
export default function MyReferralsPage() {
  const { t } = useTranslation("myReferrals");
  const session = useSession();
  const label = useVocabulary();
  const joined = useListFormat();
  const format = useFormat();
  // Filters live in component state only (never the URL).
  const [status, setStatus] = useState<ReferralStatus | "">("");
  const [pages, setPages] = useState<string[]>([""]);
  const pageToken = pages[pages.length - 1] ?? "";
  const filter = { referrerOrganisationId: session.organisationId, statuses: status ? [status] : [] };
  const list = useRpcQuery("intake", "ListReferrals", {
    ...filter,
    page: { pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) },
  });
  // An export holds every referral the status filter matches, not only the page shown.
  const exportAll = () =>
    gatherAll(async (token, size) => {
      const answer = await rpc("intake", "ListReferrals", {
        ...filter,
        page: { pageSize: size, ...(token ? { pageToken: token } : {}) },
      });
      return { items: answer.referrals ?? [], nextPageToken: answer.page?.nextPageToken };
    });
  const rows = list.data?.referrals ?? [];
  const next = list.data?.page?.nextPageToken;
  const now = Date.now();
  const columns: Column<Referral>[] = [
    {
      key: "requested",
      header: t("column.requested"),
      render: (r) => format.dateTime(r.requestedAt),
      value: (r) => r.requestedAt,
    },
    {
      key: "service",
      header: t("column.service"),
      render: (r) =>
        r.referralId ? (
          <Link to="/my-referrals/$referralId" params={{ referralId: r.referralId }}>
            {label(r.serviceType)}
          </Link>
        ) : (
          label(r.serviceType)
        ),
      value: (r) => label(r.serviceType),
    },
    {
      key: "target",
      header: t("column.target"),
      render: (r) => <bdi>{r.target?.displayName || r.target?.organisationId}</bdi>,
      value: (r) => r.target?.displayName || r.target?.organisationId,
    },
    {
      key: "priority",
      header: t("column.priority"),
      render: (r) => label(r.priority),
      value: (r) => label(r.priority),
    },
    {
      key: "status",
      header: t("column.status"),
      render: (r) => (
        <>
          <span className="status">{label(r.status)}</span>
          {isOverdue(r, now) ? <span className="overdue-label"> {t("overdue")}</span> : null}
        </>
      ),
      value: (r) => label(r.status) + (isOverdue(r, now) ? ` (${t("overdue")})` : ""),
    },
    {
      key: "outcome",
      header: t("column.outcome"),
      render: (r) => joined(outcomeValues(r).map(label)) || "—",
      value: (r) => joined(outcomeValues(r).map(label)),
    },
    {
      key: "respondBy",
      header: t("column.respondBy"),
      render: (r) => format.dateTime(r.respondBy),
      value: (r) => r.respondBy,
    },
    {
      key: "closed",
      header: t("column.closed"),
      render: (r) => format.dateTime(r.closedAt),
      value: (r) => r.closedAt,
    },
  ];
  return (
    <Page
      title={t("title")}
      actions={
        <Link to="/new-referral" className="button">
          {t("newReferral")}
        </Link>
      }
    >
      <form className="form-row" onSubmit={(event) => event.preventDefault()}>
        <label>
          <span>{t("filter.status")}</span>
          <select
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as ReferralStatus | "");
              setPages([""]);
            }}
          >
            <option value="">{t("filter.all")}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {label(value)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {list.isPending ? <Loading /> : null}
      <ProblemMessage error={list.error} />
      {list.data ? (
        <>
          <DataTable
            caption={t("caption", { count: rows.length })}
            exportName="my-referrals"
            exportAll={exportAll}
            columns={columns}
            rows={rows}
            rowKey={(r) => r.referralId ?? ""}
            rowClassName={(r) => (isOverdue(r, now) ? "overdue" : undefined)}
            empty={t("empty")}
          />
          <div className="my-referrals-pages">
            {pages.length > 1 ? (
              <button type="button" className="button secondary" onClick={() => setPages(pages.slice(0, -1))}>
                {t("previousPage")}
              </button>
            ) : null}
            {next ? (
              <button type="button" className="button secondary" onClick={() => setPages([...pages, next])}>
                {t("nextPage")}
              </button>
            ) : null}
          </div>
        </>
      ) : null}
      <OutboxPanel />
    </Page>
  );
}
