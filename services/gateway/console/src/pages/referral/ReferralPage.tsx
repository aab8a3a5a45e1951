import { useParams } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useRpcQuery } from "../../api/hooks.js";
import { useSession } from "../../api/session.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { NotFound } from "../../router.js";
import { Deadline } from "../inbox/Deadline.js";
import { followUpDeadline, responseDeadline } from "../inbox/deadlines.js";
import { shortId } from "../inbox/ReferralTable.js";
import { useNow } from "../inbox/useNow.js";
import { ActionPanel, type Referral } from "./ActionPanel.js";
import { CaseworkPanel } from "./casework/CaseworkPanel.js";
import { Assignments, ContactAttempts, Timeline } from "./History.js";
import { PackageView } from "./PackageView.js";
import "./referral.css";

function Facts({ referral }: { referral: Referral }) {
  const { t } = useTranslation("referral");
  const format = useFormat();
  const vocabulary = useVocabulary();
  const session = useSession();
  const now = useNow();
  const reason =
    referral.declineReason ??
    referral.onHoldReason ??
    referral.notCompletedReason ??
    referral.cancelReason ??
    referral.redirectReason;
  const rows: { key: string; value: ReactNode }[] = [];
  const add = (key: string, value: ReactNode) => rows.push({ key, value });
  add("status", <span className="status">{vocabulary(referral.status)}</span>);
  if (reason) add("reason", vocabulary(reason));
  add("serviceType", vocabulary(referral.serviceType));
  add("priority", vocabulary(referral.priority));
  add("purpose", vocabulary(referral.purpose));
  add("origin", vocabulary(referral.origin));
  add("referrer", <bdi>{referral.referrer?.displayName ?? referral.referrer?.organisationId}</bdi>);
  add("requestedAt", format.dateTime(referral.requestedAt));
  add("respondBy", <Deadline at={referral.respondBy} state={responseDeadline(referral, now)} now={now} />);
  if (referral.receivedAt) add("receivedAt", format.dateTime(referral.receivedAt));
  if (referral.respondedAt) add("respondedAt", format.dateTime(referral.respondedAt));
  if (referral.startedAt) add("startedAt", format.dateTime(referral.startedAt));
  if (referral.closedAt) add("closedAt", format.dateTime(referral.closedAt));
  if (referral.followUpDueAt)
    add(
      "followUpDueAt",
      <Deadline at={referral.followUpDueAt} state={followUpDeadline(referral, now)} now={now} />,
    );
  add(
    "assignee",
    !referral.assigneeActorId ? (
      t("who.nobody")
    ) : referral.assigneeActorId === session.staffId ? (
      t("who.me")
    ) : (
      <bdi>{referral.assigneeActorId}</bdi>
    ),
  );
  if (referral.outcomeCodes && referral.outcomeCodes.length > 0)
    add("outcomes", referral.outcomeCodes.map((code) => vocabulary(code)).join(", "));
  add("referralId", <code dir="ltr">{referral.referralId}</code>);
  return (
    <section aria-labelledby="facts-title">
      <h2 id="facts-title">{t("facts.title")}</h2>
      <dl className="facts">
        {rows.map(({ key, value }) => (
          <FactRow key={key} label={t(`facts.${key}`)} value={value} />
        ))}
      </dl>
    </section>
  );
}

function FactRow({ label, value }: { label: string; value: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

/**
 * One received referral: its facts, the package as far as the caller may see it, the actions its
 * status allows, the case work, and its history. A referral of another organisation (or none at
 * all) answers 404 from the service, and the page says "not found" — never whether it exists.
 */
export default function ReferralPage() {
  const { t } = useTranslation("referral");
  const { referralId } = useParams({ strict: false }) as { referralId: string };
  const query = useRpcQuery("inbox", "GetReferral", { referralId }, { retry: false });
  if (query.isPending) return <Page title={t("title")}>{<Loading />}</Page>;
  if (query.error) {
    const status = query.error.status;
    if (status === 404 || status === 403 || status === 400) return <NotFound />;
    return (
      <Page title={t("title")}>
        <ProblemMessage error={query.error} />
      </Page>
    );
  }
  const referral = query.data.referral;
  if (!referral) return <NotFound />;
  return (
    <Page title={t("title")}>
      <p className="hint">{t("subtitle", { id: shortId(referral.referralId) })}</p>
      <div className="referral-layout">
        <div className="referral-main">
          <Facts referral={referral} />
          <ActionPanel referral={referral} />
          <CaseworkPanel referralId={referralId} />
          <ContactAttempts referralId={referralId} />
          <Assignments referralId={referralId} />
          <PackageView
            referralPackage={query.data.referralPackage}
            withheld={query.data.withheldDataCategories ?? []}
          />
        </div>
        <div className="referral-side">
          <Timeline referralId={referralId} sequence={referral.sequence} />
        </div>
      </div>
    </Page>
  );
}
