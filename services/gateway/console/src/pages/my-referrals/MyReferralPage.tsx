import { Link, useParams } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { useRpcQuery } from "../../api/hooks.js";
import { type Column, DataTable } from "../../components/DataTable.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { useListFormat } from "./list-format.js";
import { isOverdue, outcomeValues, type Transition } from "./referral-text.js";
import "./my-referrals.css";

/** One referral the caller's organisation made: where it stands, its outcome, what was shared and its history. */
export default function MyReferralPage() {
  const { t } = useTranslation("myReferrals");
  const label = useVocabulary();
  const list = useListFormat();
  const format = useFormat();
  const { referralId = "" } = useParams({ strict: false }) as { referralId?: string };
  const found = useRpcQuery("intake", "GetReferral", { referralId });
  const timeline = useRpcQuery("intake", "GetReferralTimeline", { referralId, includeChain: true });
  const referral = found.data?.referral;
  const pkg = found.data?.referralPackage;
  const withheld = found.data?.withheldDataCategories ?? [];
  const transitions = [...(timeline.data?.transitions ?? [])].sort((a, b) =>
    (a.occurredAt ?? "").localeCompare(b.occurredAt ?? ""),
  );
  const chain = (timeline.data?.referrals ?? []).filter((r) => r.referralId !== referralId);
  const columns: Column<Transition>[] = [
    {
      key: "at",
      header: t("timeline.at"),
      render: (x) => format.dateTime(x.occurredAt),
      value: (x) => x.occurredAt,
    },
    {
      key: "change",
      header: t("timeline.change"),
      render: (x) =>
        x.fromStatus
          ? t("timeline.fromTo", { from: label(x.fromStatus), to: label(x.toStatus) })
          : label(x.toStatus),
      value: (x) =>
        x.fromStatus
          ? t("timeline.fromTo", { from: label(x.fromStatus), to: label(x.toStatus) })
          : label(x.toStatus),
    },
    {
      key: "by",
      header: t("timeline.by"),
      render: (x) => <bdi>{x.actor?.organisationId ?? "—"}</bdi>,
      value: (x) => x.actor?.organisationId,
    },
    {
      key: "why",
      header: t("timeline.why"),
      render: (x) => list(outcomeValues(x).map(label)) || "—",
      value: (x) => list(outcomeValues(x).map(label)),
    },
    {
      key: "referral",
      header: t("timeline.referral"),
      render: (x) =>
        x.referralId === referralId ? (
          t("timeline.this")
        ) : x.referralId ? (
          <Link to="/my-referrals/$referralId" params={{ referralId: x.referralId }}>
            {t("timeline.other")}
          </Link>
        ) : (
          "—"
        ),
      value: (x) => x.referralId,
    },
  ];
  return (
    <Page title={t("one.title")}>
      <p>
        <Link to="/my-referrals">{t("one.back")}</Link>
      </p>
      {found.isPending ? <Loading /> : null}
      <ProblemMessage error={found.error} />
      {referral ? (
        <>
          <dl className="facts">
            <dt>{t("column.status")}</dt>
            <dd>
              <span className="status">{label(referral.status)}</span>
              {isOverdue(referral) ? <span className="overdue-label"> {t("overdue")}</span> : null}
            </dd>
            <dt>{t("column.outcome")}</dt>
            <dd>{list(outcomeValues(referral).map(label)) || "—"}</dd>
            <dt>{t("column.service")}</dt>
            <dd>{label(referral.serviceType)}</dd>
            <dt>{t("column.target")}</dt>
            <dd>
              <bdi>{referral.target?.displayName || referral.target?.organisationId}</bdi>
            </dd>
            <dt>{t("column.priority")}</dt>
            <dd>{label(referral.priority)}</dd>
            <dt>{t("one.purpose")}</dt>
            <dd>{label(referral.purpose)}</dd>
            <dt>{t("column.requested")}</dt>
            <dd>{format.dateTime(referral.requestedAt)}</dd>
            <dt>{t("column.respondBy")}</dt>
            <dd>{format.dateTime(referral.respondBy)}</dd>
            <dt>{t("one.responded")}</dt>
            <dd>{format.dateTime(referral.respondedAt)}</dd>
            <dt>{t("one.started")}</dt>
            <dd>{format.dateTime(referral.startedAt)}</dd>
            <dt>{t("column.closed")}</dt>
            <dd>{format.dateTime(referral.closedAt)}</dd>
            <dt>{t("one.origin")}</dt>
            <dd>{label(referral.origin)}</dd>
          </dl>
          <h2>{t("one.shared")}</h2>
          <p>{list((pkg?.sharedDataCategories ?? []).map(label)) || "—"}</p>
          {withheld.length > 0 ? (
            <p className="hint">{t("one.withheld", { categories: list(withheld.map(label)) })}</p>
          ) : null}
          {pkg?.consentExpiresAt ? (
            <p>{t("one.consentUntil", { at: format.date(pkg.consentExpiresAt) })}</p>
          ) : null}
          <p>
            <Link to="/my-referrals/$referralId/disclosures" params={{ referralId }}>
              {t("one.disclosures")}
            </Link>
          </p>
          {chain.length > 0 ? (
            <>
              <h2>{t("one.chain")}</h2>
              <ul className="referral-chain">
                {chain.map((r) => (
                  <li key={r.referralId}>
                    <Link to="/my-referrals/$referralId" params={{ referralId: r.referralId ?? "" }}>
                      {label(r.origin)} · {label(r.serviceType)}
                    </Link>{" "}
                    → <bdi>{r.target?.displayName || r.target?.organisationId}</bdi> · {label(r.status)}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <h2>{t("timeline.title")}</h2>
          {timeline.isPending ? <Loading /> : null}
          <ProblemMessage error={timeline.error} />
          {timeline.data ? (
            <DataTable
              caption={t("timeline.title")}
              captionHidden
              exportName="referral-timeline"
              columns={columns}
              rows={transitions}
              rowKey={(x) => `${x.referralId}/${x.sequence}`}
              empty={t("timeline.empty")}
            />
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
