import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../api/session.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { byDeadline, followUpDeadline } from "../inbox/deadlines.js";
import { Pager, ReferralTable } from "../inbox/ReferralTable.js";
import type { InboxReferral } from "../inbox/types.js";
import { useNow } from "../inbox/useNow.js";
import { PAGE_SIZES, usePagedInbox } from "../inbox/usePagedInbox.js";

/**
 * Follow-up deadlines of accepted referrals still open: overdue first, then those due soon, then
 * the rest. "Only overdue" asks the server (followUpOverdueOnly); "only mine" narrows to the
 * referrals assigned to the caseworker.
 */
export default function FollowUpsPage() {
  const { t } = useTranslation("inbox");
  const session = useSession();
  const format = useFormat();
  const now = useNow();
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [mineOnly, setMineOnly] = useState(false);
  const filter = useMemo(
    () => ({
      organisationId: session.organisationId,
      statuses: ["REFERRAL_STATUS_ACCEPTED" as const, "REFERRAL_STATUS_IN_PROGRESS" as const],
      ...(overdueOnly ? { followUpOverdueOnly: true } : {}),
      ...(mineOnly ? { assignedToMe: true } : {}),
    }),
    [session.organisationId, overdueOnly, mineOnly],
  );
  const list = usePagedInbox(filter, 250);
  const sorted = useMemo(
    () =>
      byDeadline<InboxReferral>(
        list.referrals,
        (referral) => followUpDeadline(referral, now),
        (referral) => referral.followUpDueAt,
      ),
    [list.referrals, now],
  );
  const counts = useMemo(() => {
    let overdue = 0;
    let soon = 0;
    for (const referral of list.referrals) {
      const state = followUpDeadline(referral, now);
      if (state === "overdue") overdue++;
      else if (state === "soon") soon++;
    }
    return { overdue, soon };
  }, [list.referrals, now]);

  return (
    <Page title={t("followUps.title")}>
      <p className="hint">{t("followUps.intro")}</p>
      <fieldset className="filters">
        <legend>{t("filter.legend")}</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={overdueOnly}
            onChange={(event) => setOverdueOnly(event.target.checked)}
          />
          <span>{t("followUps.overdueOnly")}</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={mineOnly} onChange={(event) => setMineOnly(event.target.checked)} />
          <span>{t("followUps.mineOnly")}</span>
        </label>
      </fieldset>
      {list.query.isPending ? <Loading /> : null}
      {list.query.error ? <ProblemMessage error={list.query.error} /> : null}
      {list.query.data ? (
        <>
          <ul className="cards" aria-label={t("followUps.summaryLabel")}>
            <li className="card">
              <span className="figure">{format.number(counts.overdue)}</span>
              <br />
              <span className="overdue-label">{t("followUps.overdueCount", { count: counts.overdue })}</span>
            </li>
            <li className="card">
              <span className="figure">{format.number(counts.soon)}</span>
              <br />
              <span className="soon-label">{t("followUps.soonCount", { count: counts.soon })}</span>
            </li>
          </ul>
          <ReferralTable
            referrals={sorted}
            caption={t("followUps.caption")}
            exportName="follow-ups"
            now={now}
            exportAll={list.exportAll}
            emphasis="followUp"
            empty={t("followUps.empty")}
          />
          <Pager
            pageNumber={list.pageNumber}
            pageSize={list.pageSize}
            pageSizes={PAGE_SIZES}
            hasPrevious={list.hasPrevious}
            hasNext={list.hasNext}
            onPrevious={list.previous}
            onNext={list.next}
            onPageSize={list.setPageSize}
            shown={list.referrals.length}
            total={list.total}
          />
        </>
      ) : null}
    </Page>
  );
}
