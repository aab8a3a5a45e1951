import type { BarSeriesOption } from "echarts/charts";
import type { AriaComponentOption, GridComponentOption, TooltipComponentOption } from "echarts/components";
import type { ComposeOption } from "echarts/core";
import { type BreakdownRow, type Measure, measureValue } from "./figures.js";

export type BarChartOption = ComposeOption<
  BarSeriesOption | GridComponentOption | TooltipComponentOption | AriaComponentOption
>;

/** Colours of the chart: each meets WCAG AA against the white background (text 4.5:1, bars 3:1). */
export const CHART_COLOURS = {
  bar: "#0b5cad",
  text: "#1b1f24",
  muted: "#4a5361",
  grid: "#c3c9d2",
} as const;

export interface ChartTexts {
  /** Name of the measure drawn, e.g. "Completed %". */
  measure: string;
  /** What the chart shows, read out by screen readers in place of the drawing. */
  description: string;
  /** Written in place of a bar whose group is withheld. */
  suppressed: string;
  /** Formats a value of the measure (count, percent or duration) for labels and the axis. */
  format(value: number): string;
  /** Formats the value axis' ticks; default `format`. */
  axis?(value: number): string;
}

/** Height the chart needs for `groups` bars, in pixels. */
export function chartHeight(groups: number): number {
  return Math.max(160, 64 + groups * 32);
}

/**
 * A horizontal bar chart of one measure by group. Groups read top to bottom in the table's order;
 * in a right-to-left language the value axis runs from the right and the group names sit on the
 * right. A withheld group has no bar but the word for "suppressed" where the bar would start.
 */
export function barChartOption(
  rows: readonly BreakdownRow[],
  measure: Measure,
  texts: ChartTexts,
  rtl: boolean,
): BarChartOption {
  const data = rows.map((row) => {
    const value = measureValue(row, measure);
    if (row.suppressed) {
      return {
        value: 0,
        label: {
          show: true,
          position: rtl ? ("left" as const) : ("right" as const),
          formatter: texts.suppressed,
          color: CHART_COLOURS.text,
          fontStyle: "italic" as const,
        },
      };
    }
    return { value: value ?? 0 };
  });
  return {
    animation: false,
    aria: { enabled: true, label: { enabled: true, description: texts.description } },
    textStyle: { color: CHART_COLOURS.text, fontFamily: "inherit" },
    // Room beyond the longest bar for its value label (containLabel counts only the axis labels).
    grid: { containLabel: true, left: rtl ? 72 : 8, right: rtl ? 8 : 72, top: 8, bottom: 8 },
    tooltip: {
      trigger: "item",
      formatter: (params: unknown) => {
        const item = params as { dataIndex: number };
        const row = rows[item.dataIndex];
        if (!row) return "";
        const value = measureValue(row, measure);
        const shown = row.suppressed ? texts.suppressed : value === undefined ? "—" : texts.format(value);
        return `${escapeHtml(row.label)}: ${escapeHtml(shown)}`;
      },
    },
    xAxis: {
      type: "value",
      inverse: rtl,
      name: texts.measure,
      nameLocation: "middle",
      nameGap: 28,
      nameTextStyle: { color: CHART_COLOURS.text },
      axisLabel: {
        color: CHART_COLOURS.muted,
        formatter: (value: number) => (texts.axis ?? texts.format)(value),
      },
      splitLine: { lineStyle: { color: CHART_COLOURS.grid } },
      ...(measure.endsWith("Rate") ? { max: 1 } : {}),
    },
    yAxis: {
      type: "category",
      inverse: true,
      position: rtl ? "right" : "left",
      data: rows.map((row) => (row.suppressed ? `${row.label} (${texts.suppressed})` : row.label)),
      axisLabel: { color: CHART_COLOURS.text, width: 180, overflow: "truncate" },
      axisLine: { lineStyle: { color: CHART_COLOURS.muted } },
      axisTick: { show: false },
    },
    series: [
      {
        type: "bar",
        name: texts.measure,
        data,
        barMaxWidth: 24,
        itemStyle: { color: CHART_COLOURS.bar },
        label: {
          show: true,
          position: rtl ? "left" : "right",
          color: CHART_COLOURS.text,
          formatter: (params: unknown) => {
            const item = params as { dataIndex: number };
            const row = rows[item.dataIndex];
            if (!row || row.suppressed) return texts.suppressed;
            const value = measureValue(row, measure);
            return value === undefined ? "—" : texts.format(value);
          },
        },
      },
    ],
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
