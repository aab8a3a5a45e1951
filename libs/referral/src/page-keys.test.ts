import { fc, test } from "@fast-check/vitest";
import { InvalidArgumentError } from "@kopru/service-kit";
import { describe, expect, it } from "vitest";
import { isPageToken, nextKeysetPage, readKeysetPage } from "./page-keys.js";

const key = (micros: string, referralId: string) => ({ micros, referralId });

describe("keyset page tokens", () => {
  test.prop([
    fc.constantFrom("updated" as const, "requested" as const, "respondBy" as const),
    // Microseconds since the epoch up to the year 2200.
    fc.bigInt({ min: 0n, max: 7_258_118_400_000_000n }),
    fc.uuid(),
  ])("give back the key of the page's last row, in the same order only", (order, micros, referralId) => {
    const page = readKeysetPage({ pageSize: 2, pageToken: "" }, order);
    const rows = [
      key("1", "00000000-0000-4000-8000-000000000000"),
      key(String(micros), referralId),
      key("9", "x"),
    ];
    const next = nextKeysetPage(rows, page, (row) => row);
    expect(next.rows).toHaveLength(2);
    expect(isPageToken(next.page.nextPageToken)).toBe(true);
    expect(readKeysetPage({ pageSize: 2, pageToken: next.page.nextPageToken }, order).after).toEqual({
      micros: String(micros),
      referralId: referralId.toLowerCase(),
    });
    const other = order === "updated" ? "requested" : "updated";
    expect(() => readKeysetPage({ pageSize: 2, pageToken: next.page.nextPageToken }, other)).toThrow(
      InvalidArgumentError,
    );
  });

  it("gives no token when the query found no row beyond the page", () => {
    const page = readKeysetPage({ pageSize: 2, pageToken: "" }, "updated");
    const rows = [
      key("1", "00000000-0000-4000-8000-000000000001"),
      key("2", "00000000-0000-4000-8000-000000000002"),
    ];
    expect(nextKeysetPage(rows, page, (row) => row).page.nextPageToken).toBe("");
    expect(nextKeysetPage([], page, (row) => row).page.nextPageToken).toBe("");
  });

  it("keeps the page size within 1..500, 50 by default", () => {
    expect(readKeysetPage(undefined, "updated").limit).toBe(50);
    expect(readKeysetPage({ pageSize: 10_000, pageToken: "" }, "updated").limit).toBe(500);
  });

  it.each([
    "12",
    "u.1.0",
    "u.zzzzzzzzzzzzzz.0123456789abcdef0123456789abcdef",
    "x.1.0123456789abcdef0123456789abcdef",
    "u.1.0123456789ABCDEF0123456789ABCDEF",
    "u.-1.0123456789abcdef0123456789abcdef",
    "u.1.0123456789abcdef0123456789abcdef'--",
  ])("refuses %j as a token this service never gave", (pageToken) => {
    expect(isPageToken(pageToken)).toBe(false);
    expect(() => readKeysetPage({ pageSize: 0, pageToken }, "updated")).toThrow(InvalidArgumentError);
  });
});
