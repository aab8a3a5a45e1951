import { type ReactNode, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { EXPORT_ROW_CAP, type ExportTable, exportCsv, exportXlsx, type Gathered } from "../export.js";
import { useFormat } from "../format.js";
import { currentLanguage, directionOf } from "../i18n/index.js";
import { ProblemMessage } from "./Problem.js";

export interface Column<Row> {
  key: string;
  header: string;
  /** What the cell shows. */
  render(row: Row): ReactNode;
  /** What the export writes (plain text or a number); default: nothing for ReactNode-only cells. */
  value?(row: Row): string | number | null | undefined;
  /** Numbers align to the end. */
  numeric?: boolean;
}

export interface DataTableProps<Row> {
  caption: string;
  /** File name of exports (no personal data). */
  exportName: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey(row: Row): string;
  /** Shown instead of an empty table. */
  empty?: string;
  /** Extra cells at the start of each row (a selection checkbox). */
  leading?: { header: ReactNode; cell(row: Row): ReactNode };
  rowClassName?(row: Row): string | undefined;
  /** Hide the caption visually (kept for screen readers) when a heading already says it. */
  captionHidden?: boolean;
  /**
   * For a paged list: gathers every row the filters on screen match (see `gatherAll`), so an
   * export holds the whole list rather than the page shown. Without it, exports hold `rows`.
   */
  exportAll?(): Promise<Gathered<Row>>;
}

/** The export of `rows`: the columns' headers and each row's plain values. */
export function exportTableOf<Row>(
  name: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
): ExportTable {
  return {
    name,
    headers: columns.map((column) => column.header),
    rows: rows.map((row) => columns.map((column) => column.value?.(row) ?? null)),
  };
}

/** An accessible table with its CSV and XLSX exports; every table in the console is one. */
export function DataTable<Row>(props: DataTableProps<Row>) {
  const { t } = useTranslation();
  const format = useFormat();
  const captionId = useId();
  const [exporting, setExporting] = useState(false);
  const [outcome, setOutcome] = useState<{ capped: boolean; error?: Error } | undefined>();
  const run = async (save: (table: ExportTable) => void | Promise<void>) => {
    if (exporting) return;
    setExporting(true);
    setOutcome(undefined);
    try {
      const gathered = props.exportAll ? await props.exportAll() : { rows: props.rows, complete: true };
      await save(exportTableOf(props.exportName, props.columns, gathered.rows));
      setOutcome({ capped: !gathered.complete });
    } catch (error) {
      setOutcome({ capped: false, error: error instanceof Error ? error : new Error(String(error)) });
    } finally {
      setExporting(false);
    }
  };
  return (
    <div className="table-block">
      <div className="table-tools">
        <button
          type="button"
          className="button secondary"
          disabled={exporting}
          onClick={() => void run(exportCsv)}
          aria-describedby={captionId}
        >
          {t("table.exportCsv")}
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={exporting}
          onClick={() => void run((table) => exportXlsx(table, directionOf(currentLanguage()) === "rtl"))}
          aria-describedby={captionId}
        >
          {t("table.exportXlsx")}
        </button>
        {exporting ? (
          <span role="status" className="hint">
            {t("table.exporting")}
          </span>
        ) : outcome?.capped ? (
          <span role="status" className="hint">
            {t("table.exportCapped", { cap: format.number(EXPORT_ROW_CAP) })}
          </span>
        ) : null}
      </div>
      {outcome?.error ? <ProblemMessage error={outcome.error} /> : null}
      {props.rows.length === 0 ? (
        <p className="empty" id={captionId}>
          {props.empty ?? t("table.empty")}
        </p>
      ) : (
        // A wide table scrolls in its own box; keyboard users need to reach that box to scroll it.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable (WCAG 2.1.1)
        <section className="table-scroll" aria-labelledby={captionId} tabIndex={0}>
          <table>
            <caption id={captionId} className={props.captionHidden ? "visually-hidden" : undefined}>
              {props.caption}
            </caption>
            <thead>
              <tr>
                {props.leading ? <th scope="col">{props.leading.header}</th> : null}
                {props.columns.map((column) => (
                  <th key={column.key} scope="col" className={column.numeric ? "numeric" : undefined}>
                    {column.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr key={props.rowKey(row)} className={props.rowClassName?.(row)}>
                  {props.leading ? <td>{props.leading.cell(row)}</td> : null}
                  {props.columns.map((column) => (
                    <td key={column.key} className={column.numeric ? "numeric" : undefined}>
                      {column.render(row)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
