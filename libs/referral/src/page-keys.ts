import type { PageRequest, PageResponse } from "@kopru/contracts/common/v1/refs";
import { InvalidArgumentError } from "@kopru/service-kit";
import { pageLimit } from "./views.js";

// Keyset paging for the referral lists. An offset shifts when rows are added or change status
// between two pages (a partner syncing its inbox would skip or repeat referrals); a key — the last
// row's sort value and its referral id, the unique tie-breaker — does not. The sort value travels
// as whole microseconds since the epoch, read by PostgreSQL itself, because a JavaScript Date keeps
// only milliseconds and a key rounded down would repeat rows on the next page.

/** The orders a referral list can run in; a token carries its order, so it fits no other list. */
export const PAGE_ORDERS = {
  /** Oldest change first: the "changed since" sync of partner systems. */
  updated: { tag: "u", column: "updated_at", descending: false },
  /** Newest request first: what the referring organisation sees by default. */
  requested: { tag: "r", column: "requested_at", descending: true },
  /** Earliest answer deadline first: the inbox's default. */
  respondBy: { tag: "d", column: "respond_by", descending: false },
} as const;

export type PageOrder = keyof typeof PAGE_ORDERS;

/** Where the previous page stopped. */
export interface PageKey {
  /** The sort column's value in microseconds since the epoch, as PostgreSQL gave it. */
  micros: string;
  referralId: string;
}

export interface KeysetPage {
  order: PageOrder;
  limit: number;
  after: PageKey | undefined;
}

const TOKEN = /^([urd])\.([0-9a-z]{1,13})\.([0-9a-f]{32})$/;

/** Whether `token` has the shape of a token `nextKeysetPage` gives out (any order). */
export function isPageToken(token: string): boolean {
  return TOKEN.test(token);
}

/** The page asked for; a token that is not ours, or belongs to another order, is INVALID_ARGUMENT. */
export function readKeysetPage(page: PageRequest | undefined, order: PageOrder): KeysetPage {
  const limit = pageLimit(page);
  const token = page?.pageToken ?? "";
  if (token === "") return { order, limit, after: undefined };
  const match = TOKEN.exec(token);
  if (!match || match[1] !== PAGE_ORDERS[order].tag) {
    throw new InvalidArgumentError([
      {
        field: "page.page_token",
        description: match
          ? "belongs to a list in another order (keep the filters of the first page)"
          : "is not a page token this service gave out",
      },
    ]);
  }
  const [, , micros = "", hex = ""] = match;
  return { order, limit, after: { micros: parseBase36(micros).toString(), referralId: uuidOf(hex) } };
}

/**
 * The page's rows (at most `limit`) and the token of the next page; the query is asked for one row
 * more than the limit, so the last page says it is the last instead of leading to an empty one.
 */
export function nextKeysetPage<T>(
  rows: readonly T[],
  page: KeysetPage,
  keyOf: (row: T) => PageKey,
): { rows: T[]; page: PageResponse } {
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  if (rows.length <= page.limit || !last) return { rows: shown, page: { nextPageToken: "" } };
  const key = keyOf(last);
  const token = `${PAGE_ORDERS[page.order].tag}.${BigInt(key.micros).toString(36)}.${key.referralId.replaceAll("-", "")}`;
  return { rows: shown, page: { nextPageToken: token } };
}

/**
 * The SQL of a keyset page over `referrals`: a column for the row's key, the condition "after the
 * key" and the ORDER BY/LIMIT. Parameters are numbered from `firstParam`; column names come from
 * PAGE_ORDERS only, never from a request.
 */
export function keysetSql(
  page: KeysetPage,
  firstParam: number,
): { keyColumn: string; after: string; orderBy: string; params: unknown[] } {
  const { column, descending } = PAGE_ORDERS[page.order];
  const key = `(timestamptz 'epoch' + $${firstParam}::bigint * interval '1 microsecond')`;
  const id = `$${firstParam + 1}::uuid`;
  // Written as a range on the column plus the tie-break, so an index on the column serves it.
  const after = `($${firstParam}::bigint IS NULL OR (${column} ${descending ? "<=" : ">="} ${key} AND (${column} ${descending ? "<" : ">"} ${key} OR referral_id > ${id})))`;
  const orderBy = `ORDER BY ${column} ${descending ? "DESC" : "ASC"}, referral_id LIMIT $${firstParam + 2}`;
  const keyColumn = `(extract(epoch FROM ${column}) * 1000000)::bigint::text AS page_key`;
  return {
    keyColumn,
    after,
    orderBy,
    params: [page.after?.micros ?? null, page.after?.referralId ?? null, page.limit + 1],
  };
}

function parseBase36(digits: string): bigint {
  let value = 0n;
  for (const digit of digits) value = value * 36n + BigInt(Number.parseInt(digit, 36));
  return value;
}

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
