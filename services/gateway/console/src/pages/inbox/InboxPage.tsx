import { useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { ProblemError, rpc } from "../../api/client.js";
import { useSession } from "../../api/session.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import {
  type BulkAction,
  type BulkResult,
  mapLimited,
  orderResults,
  planBulk,
  summariseBulk,
} from "./bulk.js";
import { filterRequest, type InboxFilterState, InboxFilters, NO_FILTER } from "./Filters.js";
import { Pager, ReferralTable, shortId } from "./ReferralTable.js";
import type { InboxReferral } from "./types.js";
import { useNow } from "./useNow.js";
import { PAGE_SIZES, usePagedInbox } from "./usePagedInbox.js";

/** How many referrals a bulk action works on at once. */
const BULK_CONCURRENCY = 4;

async function runOne(action: BulkAction, referral: InboxReferral): Promise<BulkResult> {
  const referralId = referral.referralId ?? "";
  const plan = planBulk(action, referral.status);
  if (plan.kind === "already") return { referralId, outcome: "already" };
  if (plan.kind === "notAllowed") return { referralId, outcome: "notAllowed", status: referral.status };
  let sequence = referral.sequence;
  let status = referral.status;
  try {
    for (const step of plan.steps) {
      const request = { referralId, ...(sequence ? { expectedSequence: sequence } : {}) };
      const options = { idempotencyKey: crypto.randomUUID() };
      const answer =
        step === "acknowledge"
          ? await rpc("inbox", "AcknowledgeReferral", request, options)
          : await rpc("inbox", "AcceptReferral", request, options);
      sequence = answer.referral?.sequence;
      status = answer.referral?.status;
    }
    return { referralId, outcome: "done", status };
  } catch (error) {
    if (error instanceof ProblemError && error.code === "sequence_conflict")
      return { referralId, outcome: "conflict" };
    const problem = error instanceof ProblemError ? error : undefined;
    return {
      referralId,
      outcome: "failed",
      code: problem?.code ?? "unknown",
      message: problem?.detail ?? problem?.title ?? String(error),
    };
  }
}

function BulkResults({ action, results }: { action: BulkAction; results: readonly BulkResult[] }) {
  const { t } = useTranslation("inbox");
  const common = useTranslation().t;
  const vocabulary = useVocabulary();
  const format = useFormat();
  const summary = summariseBulk(results);
  const describe = (result: BulkResult): string => {
    switch (result.outcome) {
      case "done":
        return t("bulk.result.done", { status: vocabulary(result.status) });
      case "already":
        return t(`bulk.result.already.${action}`);
      case "notAllowed":
        return t("bulk.result.notAllowed", { status: vocabulary(result.status) });
      case "conflict":
        return t("bulk.result.conflict");
      case "failed":
        return common(`problem.${result.code}`, { defaultValue: result.message });
    }
  };
  return (
    <section className="bulk-results" aria-labelledby="bulk-results-title">
      <h2 id="bulk-results-title">{t(`bulk.resultsTitle.${action}`)}</h2>
      <p role="status" className={summary.failed + summary.conflict > 0 ? "problem" : "notice-ok"}>
        {t("bulk.summary", {
          count: summary.total,
          total: format.number(summary.total),
          done: format.number(summary.done),
          skipped: format.number(summary.already + summary.notAllowed),
          failed: format.number(summary.failed + summary.conflict),
        })}
      </p>
      <ul>
        {orderResults(results).map((result) => (
          <li
            key={result.referralId}
            className={
              result.outcome === "failed" || result.outcome === "conflict"
                ? "result-failed"
                : result.outcome === "done"
                  ? "result-done"
                  : undefined
            }
          >
            <Link to="/referrals/$referralId" params={{ referralId: result.referralId }}>
              <code dir="ltr">{shortId(result.referralId)}</code>
            </Link>
            {": "}
            {describe(result)}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The receiving organisation's inbox: filters, deadlines, paging and bulk acknowledge/accept. */
export default function InboxPage() {
  const { t } = useTranslation("inbox");
  const session = useSession();
  const queries = useQueryClient();
  const now = useNow();
  const [filterState, setFilterState] = useState<InboxFilterState>(NO_FILTER);
  const filter = useMemo(
    () => ({ organisationId: session.organisationId, ...filterRequest(filterState) }),
    [session.organisationId, filterState],
  );
  const inbox = usePagedInbox(filter);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [running, setRunning] = useState<BulkAction | undefined>();
  const [bulk, setBulk] = useState<{ action: BulkAction; results: BulkResult[] } | undefined>();

  // Only rows on screen can be selected: a new page or filter starts with none.
  const visible = inbox.referrals;
  const chosen = visible.filter((referral) => selected.has(referral.referralId ?? ""));

  const selection = {
    selected,
    toggle(referralId: string) {
      setSelected((current) => {
        const next = new Set(current);
        if (next.has(referralId)) next.delete(referralId);
        else next.add(referralId);
        return next;
      });
    },
    setAll(referralIds: readonly string[], on: boolean) {
      setSelected(on ? new Set(referralIds) : new Set());
    },
  };

  async function runBulk(action: BulkAction) {
    if (chosen.length === 0 || running) return;
    setRunning(action);
    setBulk(undefined);
    try {
      const results = await mapLimited(chosen, BULK_CONCURRENCY, (referral) => runOne(action, referral));
      setBulk({ action, results });
      setSelected(new Set());
    } finally {
      setRunning(undefined);
      await queries.invalidateQueries({ queryKey: ["inbox"] });
    }
  }

  const changeFilter = (next: InboxFilterState) => {
    setFilterState(next);
    setSelected(new Set());
  };

  return (
    <Page title={t("title")}>
      <InboxFilters value={filterState} onChange={changeFilter} />
      <div className="bulk-bar">
        <span>{t("bulk.selected", { count: chosen.length })}</span>
        <button
          type="button"
          className="button secondary"
          disabled={chosen.length === 0 || running !== undefined}
          onClick={() => void runBulk("acknowledge")}
        >
          {t("bulk.acknowledge")}
        </button>
        <button
          type="button"
          className="button"
          disabled={chosen.length === 0 || running !== undefined}
          onClick={() => void runBulk("accept")}
        >
          {t("bulk.accept")}
        </button>
        {running ? (
          <span role="status" className="hint">
            {t(`bulk.running.${running}`, { count: chosen.length })}
          </span>
        ) : null}
      </div>
      {bulk ? <BulkResults action={bulk.action} results={bulk.results} /> : null}
      {inbox.query.isPending ? <Loading /> : null}
      {inbox.query.error ? <ProblemMessage error={inbox.query.error} /> : null}
      {inbox.query.data ? (
        <>
          <ReferralTable
            referrals={visible}
            caption={t("caption")}
            exportName="inbox"
            now={now}
            exportAll={inbox.exportAll}
            selection={selection}
          />
          <Pager
            pageNumber={inbox.pageNumber}
            pageSize={inbox.pageSize}
            pageSizes={PAGE_SIZES}
            hasPrevious={inbox.hasPrevious}
            hasNext={inbox.hasNext}
            onPrevious={() => {
              setSelected(new Set());
              inbox.previous();
            }}
            onNext={() => {
              setSelected(new Set());
              inbox.next();
            }}
            onPageSize={(size) => {
              setSelected(new Set());
              inbox.setPageSize(size);
            }}
            shown={visible.length}
            total={inbox.total}
          />
        </>
      ) : null}
    </Page>
  );
}
