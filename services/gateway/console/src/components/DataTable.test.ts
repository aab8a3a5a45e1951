import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toCsv } from "../export.js";
import { type Column, exportTableOf } from "./DataTable.js";

/** The inbox's column headers as the catalogue of `language` words them. */
function headersOf(language: string): { referral: string; status: string } {
  const url = new URL(`../i18n/locales/${language}/inbox.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { column: { referral: string; status: string } }).column;
}
const tr = { column: headersOf("tr") };
const ar = { column: headersOf("ar") };

interface Row {
  referralId: string;
  status: string;
  minutes: number;
}

/** Columns as a page declares them: headers in the user's language, a plain value per cell. */
function columns(column: { referral: string; status: string }): Column<Row>[] {
  return [
    {
      key: "referral",
      header: column.referral,
      render: (row) => row.referralId,
      value: (row) => row.referralId,
    },
    { key: "status", header: column.status, render: (row) => row.status, value: (row) => row.status },
    // Shown on screen only (a button, a chart): nothing to export but an empty cell.
    { key: "open", header: "", render: () => null },
    {
      key: "minutes",
      header: "⏱",
      render: (row) => `${row.minutes} min`,
      value: (row) => row.minutes,
      numeric: true,
    },
  ];
}

const rows: Row[] = [
  { referralId: "0190-aaaa", status: "=1+1", minutes: 45 },
  { referralId: "0190-bbbb", status: "Alındı", minutes: -5 },
];

describe("a table's export", () => {
  it("takes the headers as the page wrote them, in the user's language, and each column's plain value", () => {
    const turkish = exportTableOf("inbox", columns(tr.column), rows);
    expect(turkish.headers).toEqual(["Sevk", tr.column.status, "", "⏱"]);
    expect(turkish.rows).toEqual([
      ["0190-aaaa", "=1+1", null, 45],
      ["0190-bbbb", "Alındı", null, -5],
    ]);
    expect(toCsv(turkish).split("\r\n")[1]).toBe("0190-aaaa,'=1+1,,45");
    expect(exportTableOf("inbox", columns(ar.column), rows).headers.slice(0, 2)).toEqual([
      ar.column.referral,
      ar.column.status,
    ]);
  });
});
