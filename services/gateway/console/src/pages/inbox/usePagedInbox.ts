import { keepPreviousData } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { type RequestOf, rpc } from "../../api/client.js";
import { useRpcQuery } from "../../api/hooks.js";
import { type Gathered, gatherAll } from "../../export.js";
import type { InboxReferral } from "./types.js";

export type InboxFilter = Omit<RequestOf<"inbox", "ListInbox">, "page">;

export const PAGE_SIZES = [50, 100, 250, 500] as const;

/**
 * One page of ListInbox at a time, walked with the server's page tokens (kept in memory: a token
 * is tied to the filter, so a new filter starts again at the first page). The previous page stays
 * on screen while the next one loads.
 */
export function usePagedInbox(filter: InboxFilter, initialPageSize = 100) {
  const [pageSize, setPageSizeState] = useState<number>(initialPageSize);
  const [tokens, setTokens] = useState<{ key: string; stack: string[] }>({ key: "", stack: [] });
  const key = JSON.stringify([filter, pageSize]);
  // A different filter (or page size) invalidates the tokens gathered so far.
  const stack = tokens.key === key ? tokens.stack : [];
  const pageToken = stack.at(-1) ?? "";
  const request = useMemo(
    () => ({ ...filter, page: { pageSize, ...(pageToken ? { pageToken } : {}) } }),
    [filter, pageSize, pageToken],
  );
  const query = useRpcQuery("inbox", "ListInbox", request, { placeholderData: keepPreviousData });
  const referrals: InboxReferral[] = query.data?.referrals ?? [];
  const nextToken = query.data?.page?.nextPageToken ?? "";
  const total = query.data?.page?.totalSize;
  return {
    query,
    referrals,
    total: total === undefined ? undefined : Number(total),
    pageNumber: stack.length + 1,
    pageSize,
    setPageSize(size: number) {
      setPageSizeState(size);
    },
    hasNext: nextToken !== "" && !query.isPlaceholderData,
    hasPrevious: stack.length > 0,
    next() {
      if (nextToken) setTokens({ key, stack: [...stack, nextToken] });
    },
    previous() {
      setTokens({ key, stack: stack.slice(0, -1) });
    },
    /** Every referral the filter matches, for an export (not only the page on screen). */
    exportAll(): Promise<Gathered<InboxReferral>> {
      return gatherAll(async (token, size) => {
        const answer = await rpc("inbox", "ListInbox", {
          ...filter,
          page: { pageSize: size, ...(token ? { pageToken: token } : {}) },
        });
        return { items: answer.referrals ?? [], nextPageToken: answer.page?.nextPageToken };
      });
    },
  };
}
