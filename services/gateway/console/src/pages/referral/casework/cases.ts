// A referral's case at the receiving service: accepting a referral opens the person's case there
// (or joins the one already open), and the case lists the referrals it serves. The lists have no
// filter by referral, so the console pages through the organisation's cases and picks the one
// serving this referral — an open one before a closed one, the newest first.

export interface CaseLike {
  caseId?: string;
  status?: string;
  referralIds?: string[];
  openedAt?: string;
}

export function caseForReferral<C extends CaseLike>(cases: readonly C[], referralId: string): C | undefined {
  const serving = cases.filter((item) => item.referralIds?.includes(referralId));
  return serving.sort((a, b) => {
    const open = Number(b.status === "CASE_STATUS_OPEN") - Number(a.status === "CASE_STATUS_OPEN");
    if (open !== 0) return open;
    return (b.openedAt ?? "").localeCompare(a.openedAt ?? "");
  })[0];
}

/** Pages a list until the case is found or the list ends (bounded, so a huge list cannot hang). */
export async function findCase<C extends CaseLike>(
  fetchPage: (pageToken: string) => Promise<{ cases: C[]; nextPageToken: string | undefined }>,
  referralId: string,
  maxPages = 20,
): Promise<C | null> {
  let token = "";
  for (let page = 0; page < maxPages; page++) {
    const { cases, nextPageToken } = await fetchPage(token);
    const found = caseForReferral(cases, referralId);
    if (found) return found;
    if (!nextPageToken) return null;
    token = nextPageToken;
  }
  return null;
}

export const CASE_PAGE_SIZE = 500;

/** A case is opened (by hand) only for a referral that is accepted or in progress. */
export function canOpenCase(referralStatus: string | undefined): boolean {
  return referralStatus === "REFERRAL_STATUS_ACCEPTED" || referralStatus === "REFERRAL_STATUS_IN_PROGRESS";
}
