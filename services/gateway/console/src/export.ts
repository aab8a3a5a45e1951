// Exports of what a table shows, in the user's language: CSV (UTF-8 with a byte-order mark so
// spreadsheet programs read Turkish and Arabic correctly) and XLSX through exceljs, loaded only
// when someone exports so it never weighs on a page's first load.

export interface ExportTable {
  /** File name without extension; never personal data. */
  name: string;
  headers: readonly string[];
  rows: readonly (readonly (string | number | null | undefined)[])[];
}

function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  // A cell starting with =, +, - or @ is a formula to a spreadsheet: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(table: ExportTable): string {
  return [table.headers, ...table.rows].map((row) => row.map(csvCell).join(",")).join("\r\n");
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
  download(new Blob(["\uFEFF", toCsv(table)], { type: "text/csv;charset=utf-8" }), `${table.name}.csv`);
}

export async function exportXlsx(table: ExportTable, rtl: boolean): Promise<void> {
  const { Workbook } = await import("exceljs");
  const workbook = new Workbook();
  const sheet = workbook.addWorksheet(table.name.slice(0, 31), { views: [{ rightToLeft: rtl }] });
  sheet.addRow([...table.headers]).font = { bold: true };
  for (const row of table.rows) sheet.addRow(row.map((cell) => cell ?? ""));
  const buffer = await workbook.xlsx.writeBuffer();
  download(
    new Blob([buffer], { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }),
    `${table.name}.xlsx`,
  );
}
