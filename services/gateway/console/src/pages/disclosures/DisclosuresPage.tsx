import { Link, useParams } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import type { ResponseOf } from "../../api/client.js";
import { useRpcQuery } from "../../api/hooks.js";
import { type Column, DataTable } from "../../components/DataTable.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { useListFormat } from "../my-referrals/list-format.js";
import "./disclosures.css";

type SubjectAccess = NonNullable<ResponseOf<"intake", "ExportSubjectAccess">["export"]>;
type Disclosure = NonNullable<SubjectAccess["disclosures"]>[number];
type Acknowledgement = NonNullable<SubjectAccess["withdrawalAcknowledgements"]>[number];

/**
 * Where the person of a referral the caller's organisation made had their data sent (the disclosure
 * ledger, ADR 0024), with the holders' records of consent withdrawals: the data-subject access answer,
 * printable as a page and downloadable as JSON. The route carries the referral's id only.
 */
export default function DisclosuresPage() {
  const { t } = useTranslation("disclosures");
  const label = useVocabulary();
  const list = useListFormat();
  const format = useFormat();
  const { referralId = "" } = useParams({ strict: false }) as { referralId?: string };
  const found = useRpcQuery("intake", "ExportSubjectAccess", { referralId });
  const answer = found.data?.export;
  const disclosures = answer?.disclosures ?? [];
  const acknowledgements = answer?.withdrawalAcknowledgements ?? [];

  const download = () => {
    const blob = new Blob([JSON.stringify(answer, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    // No personal data in the file name.
    link.download = "subject-access.json";
    link.click();
    URL.revokeObjectURL(url);
  };

  const columns: Column<Disclosure>[] = [
    {
      key: "at",
      header: t("column.at"),
      render: (x) => format.dateTime(x.disclosedAt),
      value: (x) => x.disclosedAt,
    },
    { key: "kind", header: t("column.kind"), render: (x) => label(x.kind), value: (x) => label(x.kind) },
    {
      key: "from",
      header: t("column.from"),
      render: (x) => <bdi>{x.senderOrganisationId}</bdi>,
      value: (x) => x.senderOrganisationId,
    },
    {
      key: "to",
      header: t("column.to"),
      render: (x) => <bdi>{x.recipientOrganisationId}</bdi>,
      value: (x) => x.recipientOrganisationId,
    },
    {
      key: "categories",
      header: t("column.categories"),
      render: (x) => list((x.dataCategories ?? []).map(label)) || "—",
      value: (x) => list((x.dataCategories ?? []).map(label)),
    },
    {
      key: "purpose",
      header: t("column.purpose"),
      render: (x) => label(x.purpose),
      value: (x) => label(x.purpose),
    },
    {
      key: "consent",
      header: t("column.consent"),
      render: (x) => (
        <>
          <bdi>{(x.consentId ?? "").slice(0, 8)}</bdi>
          {x.freshConsent ? <span className="hint"> · {t("column.freshConsent")}</span> : null}
        </>
      ),
      value: (x) => x.consentId,
    },
    {
      key: "by",
      header: t("column.by"),
      render: (x) => <bdi>{x.disclosedBy?.organisationId ?? x.senderOrganisationId}</bdi>,
      value: (x) => x.disclosedBy?.organisationId ?? x.senderOrganisationId,
    },
  ];
  const ackColumns: Column<Acknowledgement>[] = [
    {
      key: "holder",
      header: t("acknowledgements.holder"),
      render: (x) => <bdi>{x.organisationId}</bdi>,
      value: (x) => x.organisationId,
    },
    {
      key: "at",
      header: t("acknowledgements.at"),
      render: (x) => format.dateTime(x.recordedAt),
      value: (x) => x.recordedAt,
    },
    {
      key: "policy",
      header: t("acknowledgements.policy"),
      render: (x) => label(x.policy),
      value: (x) => label(x.policy),
    },
    {
      key: "restricted",
      header: t("acknowledgements.restricted"),
      render: (x) => format.number(x.restrictedReferralIds?.length ?? 0),
      value: (x) => x.restrictedReferralIds?.length ?? 0,
      numeric: true,
    },
    {
      key: "cancelled",
      header: t("acknowledgements.cancelled"),
      render: (x) => format.number(x.cancelledReferralIds?.length ?? 0),
      value: (x) => x.cancelledReferralIds?.length ?? 0,
      numeric: true,
    },
    {
      key: "continuing",
      header: t("acknowledgements.continuing"),
      render: (x) =>
        (x.continuingReferralIds?.length ?? 0) > 0
          ? `${format.number(x.continuingReferralIds?.length ?? 0)} · ${label(x.continuingBasis)}`
          : "—",
      value: (x) => x.continuingReferralIds?.length ?? 0,
    },
  ];

  return (
    <Page title={t("title")}>
      <p className="no-print">
        <Link to="/my-referrals/$referralId" params={{ referralId }}>
          {t("back")}
        </Link>
      </p>
      {found.isPending ? <Loading /> : null}
      <ProblemMessage error={found.error} />
      {answer ? (
        <>
          <p>{t("intro")}</p>
          <p className="no-print disclosure-actions">
            <button type="button" onClick={() => window.print()}>
              {t("print")}
            </button>
            <button type="button" onClick={download}>
              {t("download")}
            </button>
          </p>
          <DataTable
            caption={t("caption", { count: disclosures.length })}
            exportName="disclosures"
            columns={columns}
            rows={disclosures}
            rowKey={(x) => x.disclosureId ?? ""}
            empty={t("empty")}
          />
          <h2>{t("acknowledgements.title")}</h2>
          <DataTable
            caption={t("acknowledgements.title")}
            captionHidden
            exportName="withdrawal-acknowledgements"
            columns={ackColumns}
            rows={acknowledgements}
            rowKey={(x) => `${x.consentId}/${x.organisationId}`}
            empty={t("acknowledgements.empty")}
          />
          <p className="hint">
            {t("exportedAt", { at: format.dateTime(answer.exportedAt), organisation: answer.organisationId })}
          </p>
        </>
      ) : null}
    </Page>
  );
}
