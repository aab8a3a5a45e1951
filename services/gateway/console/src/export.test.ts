import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  csvFile,
  EXPORT_ROW_CAP,
  type ExportTable,
  gatherAll,
  type ListPage,
  toCsv,
  xlsxFile,
} from "./export.js";

const turkish: ExportTable = {
  name: "inbox",
  headers: ["Sevk", "Durum", "Not"],
  rows: [
    ["0190-aaaa", "Alındı", "Şirinnaz'ın başvurusu"],
    ["0190-bbbb", "Kabul edildi", '=HYPERLINK("http://x")'],
    ["0190-cccc", "+90 555", "-1+2"],
    ["0190-dddd", "@SUM(A1)", 'iki, "tırnak"'],
    ["0190-eeee", -3, null],
  ],
};

const arabic: ExportTable = {
  name: "my-referrals",
  headers: ["الخدمة", "الحالة"],
  rows: [["استشارة", "مكتملة"]],
};

describe("CSV export", () => {
  it("starts with a UTF-8 byte-order mark and keeps Turkish and Arabic text as it is", async () => {
    const bytes = new Uint8Array(await csvFile(turkish).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    expect(text.split("\r\n")[0]).toBe("\uFEFFSevk,Durum,Not");
    expect(text).toContain("Şirinnaz'ın başvurusu");
    expect(new TextDecoder().decode(await csvFile(arabic).arrayBuffer())).toBe(
      "الخدمة,الحالة\r\nاستشارة,مكتملة",
    );
  });

  it("writes text starting with = + - or @ as text, never as a formula; numbers stay numbers", () => {
    const lines = toCsv(turkish).split("\r\n");
    expect(lines).toEqual([
      "Sevk,Durum,Not",
      "0190-aaaa,Alındı,Şirinnaz'ın başvurusu",
      `0190-bbbb,Kabul edildi,"'=HYPERLINK(""http://x"")"`,
      "0190-cccc,'+90 555,'-1+2",
      `0190-dddd,'@SUM(A1),"iki, ""tırnak"""`,
      "0190-eeee,-3,",
    ]);
  });
});

describe("XLSX export", () => {
  async function read(table: ExportTable, rtl: boolean) {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await (await xlsxFile(table, rtl)).arrayBuffer());
    const sheet = workbook.worksheets[0];
    if (!sheet) throw new Error("no sheet");
    return sheet;
  }

  it("holds the headers in the user's language, then every row's values", async () => {
    const sheet = await read(turkish, false);
    expect(sheet.name).toBe("inbox");
    expect(sheet.getRow(1).values).toEqual([undefined, "Sevk", "Durum", "Not"]);
    expect(sheet.getRow(1).font?.bold).toBe(true);
    expect(sheet.rowCount).toBe(1 + turkish.rows.length);
    expect(sheet.getRow(2).values).toEqual([undefined, "0190-aaaa", "Alındı", "Şirinnaz'ın başvurusu"]);
    expect(sheet.getCell("B6").value).toBe(-3);
    expect(sheet.views[0]?.rightToLeft).toBeFalsy();
  });

  it("keeps text that starts like a formula as text", async () => {
    const sheet = await read(turkish, false);
    for (const [address, text] of [
      ["C3", '=HYPERLINK("http://x")'],
      ["B4", "+90 555"],
      ["C4", "-1+2"],
      ["B5", "@SUM(A1)"],
    ] as const) {
      const cell = sheet.getCell(address);
      expect(cell.type, address).toBe(ExcelJS.ValueType.String);
      expect(cell.formula, address).toBeUndefined();
      expect(cell.value, address).toBe(text);
    }
  });

  it("lays an Arabic sheet out right to left", async () => {
    const sheet = await read(arabic, true);
    expect(sheet.views[0]?.rightToLeft).toBe(true);
    expect(sheet.getRow(1).values).toEqual([undefined, "الخدمة", "الحالة"]);
    expect(sheet.getRow(2).values).toEqual([undefined, "استشارة", "مكتملة"]);
  });
});

describe("gathering a whole list for an export", () => {
  /** A list of `size` numbered rows served in pages, as the services page with tokens. */
  function pagedList(size: number) {
    const calls: { token: string; pageSize: number }[] = [];
    const fetchPage = async (token: string, pageSize: number): Promise<ListPage<number>> => {
      calls.push({ token, pageSize });
      const start = token ? Number(token) : 0;
      const end = Math.min(size, start + pageSize);
      const items = Array.from({ length: end - start }, (_, i) => start + i);
      return { items, nextPageToken: end < size ? String(end) : "" };
    };
    return { calls, fetchPage };
  }

  it("walks every page the filters match, not only the one on screen", async () => {
    const list = pagedList(1_234);
    const gathered = await gatherAll(list.fetchPage);
    expect(gathered.complete).toBe(true);
    expect(gathered.rows).toEqual(Array.from({ length: 1_234 }, (_, i) => i));
    expect(list.calls.map((call) => call.token)).toEqual(["", "500", "1000"]);
  });

  it("stops at the cap and says the export is not the whole list", async () => {
    const list = pagedList(EXPORT_ROW_CAP + 700);
    const gathered = await gatherAll(list.fetchPage);
    expect(gathered.complete).toBe(false);
    expect(gathered.rows).toHaveLength(EXPORT_ROW_CAP);
    expect(gathered.rows.at(-1)).toBe(EXPORT_ROW_CAP - 1);
  });

  it("calls a list of exactly the cap complete", async () => {
    const gathered = await gatherAll(pagedList(1_000).fetchPage, 1_000);
    expect(gathered).toMatchObject({ complete: true });
    expect(gathered.rows).toHaveLength(1_000);
  });

  it("does not walk a token it has seen again", async () => {
    let calls = 0;
    const gathered = await gatherAll(async () => {
      calls++;
      return { items: [calls], nextPageToken: "same" };
    });
    expect(gathered).toEqual({ rows: [1, 2], complete: true });
  });
});
