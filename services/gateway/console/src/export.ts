// Exports of a table's list, in the user's language: CSV (UTF-8 with a byte-order mark so
// spreadsheet programs read Turkish and Arabic correctly) and XLSX through exceljs, loaded only
// when someone exports so it never weighs on a page's first load.

export type ExportCell = string | number | null | undefined;

export interface ExportTable {
  /** File name without extension; never personal data. */
  name: string;
  headers: readonly string[];
  rows: readonly (readonly ExportCell[])[];
}

/**
 * The most rows one export holds. A coordinator exporting the inbox expects every referral the
 * filters match, not the page on screen; past this many the export stops and says so, as a list
 * that long wants narrower filters rather than a browser tab holding it all.
 */
export const EXPORT_ROW_CAP = 5_000;
/** Rows asked for per request while gathering an export: the services' largest page. */
export const EXPORT_PAGE_SIZE = 500;

/** One page of a list walked with the services' page tokens. */
export interface ListPage<Row> {
  items: readonly Row[];
  nextPageToken?: string | undefined;
}

/** A whole list gathered for an export: `complete` is false when the cap cut it short. */
export interface Gathered<Row> {
  rows: Row[];
  complete: boolean;
}

/**
 * Walks a list from its first page until it ends or `cap` rows are gathered. The caller's fetch
 * carries the filters on screen, so the export holds exactly what the table would show page after
 * page.
 */
export async function gatherAll<Row>(
  fetchPage: (pageToken: string, pageSize: number) => Promise<ListPage<Row>>,
  cap = EXPORT_ROW_CAP,
  pageSize = EXPORT_PAGE_SIZE,
): Promise<Gathered<Row>> {
  const rows: Row[] = [];
  let token = "";
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(token, Math.min(pageSize, cap + 1 - rows.length));
    rows.push(...page.items);
    token = page.nextPageToken ?? "";
    if (rows.length > cap) return { rows: rows.slice(0, cap), complete: false };
    // A token seen before would walk the same pages forever.
    if (!token || seen.has(token)) return { rows, complete: true };
    seen.add(token);
  }
}

function csvCell(value: ExportCell): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  // Text starting with =, +, - or @ is a formula to a spreadsheet: quote it as text. A number is
  // written as the number it is (a negative count is not a formula).
  const safe = typeof value === "string" && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(table: ExportTable): string {
  return [table.headers, ...table.rows].map((row) => row.map(csvCell).join(",")).join("\r\n");
}

/** The CSV file's bytes as they are saved: a UTF-8 byte-order mark, then the table. */
export function csvFile(table: ExportTable): Blob {
  return new Blob(["\uFEFF", toCsv(table)], { type: "text/csv;charset=utf-8" });
}

/**
 * The XLSX file's bytes. Text that starts like a formula stays text: exceljs writes a string as a
 * shared string, never as a formula, whatever its first character.
 */
export async function xlsxFile(table: ExportTable, rtl: boolean): Promise<Blob> {
  const { Workbook } = await import("exceljs");
  const workbook = new Workbook();
  const sheet = workbook.addWorksheet(table.name.slice(0, 31), { views: [{ rightToLeft: rtl }] });
  sheet.addRow([...table.headers]).font = { bold: true };
  for (const row of table.rows) sheet.addRow(row.map((cell) => cell ?? ""));
  const buffer = await workbook.xlsx.writeBuffer();
  return new Blob([buffer], { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
}

function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportCsv(table: ExportTable): void {
  download(csvFile(table), `${table.name}.csv`);
}

export async function exportXlsx(table: ExportTable, rtl: boolean): Promise<void> {
  download(await xlsxFile(table, rtl), `${table.name}.xlsx`);
}
