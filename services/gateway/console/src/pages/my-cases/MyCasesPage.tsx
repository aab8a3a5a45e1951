import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../api/session.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { filterRequest, type InboxFilterState, InboxFilters, NO_FILTER } from "../inbox/Filters.js";
import { Pager, ReferralTable } from "../inbox/ReferralTable.js";
import { useNow } from "../inbox/useNow.js";
import { PAGE_SIZES, usePagedInbox } from "../inbox/usePagedInbox.js";

/** The referrals assigned to the logged-in caseworker (ListInbox with assignedToMe). */
export default function MyCasesPage() {
  const { t } = useTranslation("inbox");
  const session = useSession();
  const now = useNow();
  const [filterState, setFilterState] = useState<InboxFilterState>(NO_FILTER);
  const filter = useMemo(
    () => ({ organisationId: session.organisationId, assignedToMe: true, ...filterRequest(filterState) }),
    [session.organisationId, filterState],
  );
  const list = usePagedInbox(filter);
  return (
    <Page title={t("myCases.title")}>
      <p className="hint">{t("myCases.intro")}</p>
      <InboxFilters value={filterState} onChange={setFilterState} />
      {list.query.isPending ? <Loading /> : null}
      {list.query.error ? <ProblemMessage error={list.query.error} /> : null}
      {list.query.data ? (
        <>
          <ReferralTable
            referrals={list.referrals}
            caption={t("myCases.caption")}
            exportName="my-cases"
            now={now}
            exportAll={list.exportAll}
            empty={t("myCases.empty")}
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
