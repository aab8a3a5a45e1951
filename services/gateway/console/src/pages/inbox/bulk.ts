// Bulk acknowledge / accept over the selected rows of the inbox: which calls each referral needs
// (from its status), and what came of them, row by row. The calls themselves are made by the page.

export type BulkAction = "acknowledge" | "accept";

/** One call of a bulk step, with the sequence the referral is expected to be at. */
export type BulkStep = "acknowledge" | "accept";

export type BulkPlan =
  /** Calls to make, in order; the first carries `expectedSequence`, later ones the sequence the previous call returned. */
  | { kind: "run"; steps: BulkStep[] }
  /** Nothing to do: the referral is already where the action would take it. */
  | { kind: "already" }
  /** The action does not apply to the referral's status. */
  | { kind: "notAllowed" };

/**
 * What `action` needs for a referral in `status`. Accepting a referral still REQUESTED first
 * acknowledges it (receipt comes before acceptance in the lifecycle); acknowledging one already
 * received or further along changes nothing.
 */
export function planBulk(action: BulkAction, status: string | undefined): BulkPlan {
  if (action === "acknowledge") {
    if (status === "REFERRAL_STATUS_REQUESTED") return { kind: "run", steps: ["acknowledge"] };
    if (status === "REFERRAL_STATUS_UNSPECIFIED" || status === undefined) return { kind: "notAllowed" };
    return { kind: "already" };
  }
  switch (status) {
    case "REFERRAL_STATUS_REQUESTED":
      return { kind: "run", steps: ["acknowledge", "accept"] };
    case "REFERRAL_STATUS_RECEIVED":
    case "REFERRAL_STATUS_ON_HOLD":
      return { kind: "run", steps: ["accept"] };
    case "REFERRAL_STATUS_ACCEPTED":
    case "REFERRAL_STATUS_IN_PROGRESS":
    case "REFERRAL_STATUS_COMPLETED":
      return { kind: "already" };
    default:
      return { kind: "notAllowed" };
  }
}

/** What came of one referral of a bulk action. */
export type BulkResult =
  | { referralId: string; outcome: "done"; status: string | undefined }
  | { referralId: string; outcome: "already" }
  | { referralId: string; outcome: "notAllowed"; status: string | undefined }
  | { referralId: string; outcome: "conflict" }
  | { referralId: string; outcome: "failed"; code: string; message: string };

export interface BulkSummary {
  total: number;
  done: number;
  already: number;
  notAllowed: number;
  conflict: number;
  failed: number;
}

export function summariseBulk(results: readonly BulkResult[]): BulkSummary {
  const summary: BulkSummary = {
    total: results.length,
    done: 0,
    already: 0,
    notAllowed: 0,
    conflict: 0,
    failed: 0,
  };
  for (const result of results) summary[result.outcome] += 1;
  return summary;
}

/** Results in the order the referrals were selected, failures first so they are seen. */
export function orderResults(results: readonly BulkResult[]): BulkResult[] {
  const weight = { failed: 0, conflict: 1, notAllowed: 2, already: 3, done: 4 } as const;
  return results
    .map((result, index) => ({ result, index }))
    .sort((a, b) => weight[a.result.outcome] - weight[b.result.outcome] || a.index - b.index)
    .map((entry) => entry.result);
}

/** Runs `task` over `items` with at most `limit` at a time, keeping the results in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
