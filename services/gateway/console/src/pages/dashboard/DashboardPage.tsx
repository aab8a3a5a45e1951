import { keepPreviousData } from "@tanstack/react-query";
import { type ReactNode, useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useRpcQuery } from "../../api/hooks.js";
import { type Column, DataTable } from "../../components/DataTable.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { directionOf, isLanguage } from "../../i18n/index.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { PRIORITIES, SERVICE_TYPES, useOrganisations } from "../directory/directory-data.js";
import { BarChart } from "./BarChart.js";
import { barChartOption, chartHeight } from "./chart-option.js";
import {
  type BreakdownRow,
  breakdownOf,
  dimensionKind,
  dimensionOfKey,
  FIGURE_DIMENSIONS,
  type FigureDimension,
  figureFilter,
  headlineOf,
  MEASURES,
  type Measure,
  measureKind,
  measureValue,
  provinceNames,
} from "./figures.js";
import "./dashboard.css";

interface Controls {
  from: string;
  to: string;
  serviceType: string;
  priority: string;
  targetOrganisationId: string;
}

const NO_FILTER: Controls = { from: "", to: "", serviceType: "", priority: "", targetOrganisationId: "" };

/** Labels of a dimension's values: organisation names, province names, country names, enum labels. */
function useGroupLabel(dimension: FigureDimension): (value: string | undefined) => string {
  const { t, i18n } = useTranslation("dashboard");
  const vocabulary = useVocabulary();
  const { organisations, nameOf } = useOrganisations();
  const provinces = useMemo(
    () => provinceNames(organisations.flatMap((organisation) => organisation.locations ?? [])),
    [organisations],
  );
  const language = i18n.language;
  return useMemo(() => {
    const regions = new Intl.DisplayNames([language], { type: "region", fallback: "code" });
    return (value: string | undefined) => {
      if (value === undefined) return t("notRecorded");
      switch (dimensionKind(dimension)) {
        case "organisation":
          return nameOf(value);
        case "province":
          return provinces.get(value) ?? value;
        case "nationality":
          try {
            return regions.of(value) ?? value;
          } catch {
            return value;
          }
        default:
          return vocabulary(value);
      }
    };
  }, [dimension, language, nameOf, provinces, t, vocabulary]);
}

function Filters({ controls, onChange }: { controls: Controls; onChange(next: Controls): void }) {
  const { t } = useTranslation("dashboard");
  const vocabulary = useVocabulary();
  const { organisations } = useOrganisations();
  const set = (field: keyof Controls) => (event: { target: { value: string } }) =>
    onChange({ ...controls, [field]: event.target.value });
  const invalidPeriod = controls.from !== "" && controls.to !== "" && controls.from > controls.to;
  const periodErrorId = useId();
  return (
    <form className="dashboard-filters" onSubmit={(event) => event.preventDefault()}>
      <fieldset>
        <legend>{t("filters.legend")}</legend>
        <div className="form-row">
          <label>
            {t("filters.from")}
            <input
              type="date"
              value={controls.from}
              onChange={set("from")}
              aria-invalid={invalidPeriod || undefined}
              aria-describedby={invalidPeriod ? periodErrorId : undefined}
            />
          </label>
          <label>
            {t("filters.to")}
            <input
              type="date"
              value={controls.to}
              onChange={set("to")}
              aria-invalid={invalidPeriod || undefined}
              aria-describedby={invalidPeriod ? periodErrorId : undefined}
            />
          </label>
          <label>
            {t("filters.serviceType")}
            <select value={controls.serviceType} onChange={set("serviceType")}>
              <option value="">{t("filters.all")}</option>
              {SERVICE_TYPES.map((value) => (
                <option key={value} value={value}>
                  {vocabulary(value)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("filters.priority")}
            <select value={controls.priority} onChange={set("priority")}>
              <option value="">{t("filters.all")}</option>
              {PRIORITIES.map((value) => (
                <option key={value} value={value}>
                  {vocabulary(value)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("filters.targetOrganisation")}
            <select value={controls.targetOrganisationId} onChange={set("targetOrganisationId")}>
              <option value="">{t("filters.all")}</option>
              {organisations.map((organisation) => (
                <option key={organisation.organisationId} value={organisation.organisationId}>
                  {organisation.name || organisation.organisationId}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button secondary" onClick={() => onChange(NO_FILTER)}>
            {t("filters.clear")}
          </button>
        </div>
        {invalidPeriod ? (
          <p id={periodErrorId} className="field-error" role="alert">
            {t("filters.periodInvalid")}
          </p>
        ) : (
          <p className="hint">{t("filters.periodHint")}</p>
        )}
      </fieldset>
    </form>
  );
}

function Card({
  label,
  children,
  note,
  small = false,
}: {
  label: string;
  children: ReactNode;
  note?: ReactNode;
  small?: boolean;
}) {
  return (
    <li className="card">
      <span className="card-label">{label}</span>
      <span className={small ? "figure figure-small" : "figure"}>{children}</span>
      {note ? <span className="hint">{note}</span> : null}
    </li>
  );
}

export default function DashboardPage() {
  const { t, i18n } = useTranslation("dashboard");
  const { t: tc } = useTranslation();
  const format = useFormat();
  const vocabulary = useVocabulary();
  const [controls, setControls] = useState<Controls>(NO_FILTER);
  const [dimension, setDimension] = useState<FigureDimension>("FIGURE_DIMENSION_PROVINCE");
  const [measure, setMeasure] = useState<Measure>("completionRate");
  const dimensionId = useId();
  const measureId = useId();

  const invalidPeriod = controls.from !== "" && controls.to !== "" && controls.from > controls.to;
  const filter = useMemo(
    () => figureFilter(invalidPeriod ? { ...controls, from: "", to: "" } : controls),
    [controls, invalidPeriod],
  );
  // The totals and the breakdown are two reads: the headline stays put while another dimension
  // loads, and a breakdown is never shown under the labels of a dimension it was not grouped by.
  const totals = useRpcQuery(
    "coordination",
    "GetReferralFigures",
    { filter, groupBy: [] },
    { placeholderData: keepPreviousData, staleTime: 30_000 },
  );
  const breakdown = useRpcQuery(
    "coordination",
    "GetReferralFigures",
    { filter, groupBy: [dimension] },
    {
      placeholderData: (previous, previousQuery) =>
        dimensionOfKey(previousQuery?.queryKey) === dimension ? previous : undefined,
      staleTime: 30_000,
    },
  );
  const labelOf = useGroupLabel(dimension);
  const language = isLanguage(i18n.language) ? i18n.language : "tr";
  const rtl = directionOf(language) === "rtl";

  const rows = useMemo(
    () => breakdownOf(breakdown.data?.rows, dimension, labelOf, language),
    [breakdown.data?.rows, dimension, labelOf, language],
  );
  const headline = headlineOf(totals.data?.total);
  const minCellSize = totals.data?.minCellSize ?? breakdown.data?.minCellSize ?? 0;
  const suppressedCount = rows.filter((row) => row.suppressed).length;

  const suppressedText = t("suppressed");
  // Durations under a minute (an offering that accepts at once) read as such, not as "0 min".
  const duration = useMemo(
    () => (seconds: number | undefined) =>
      seconds !== undefined && seconds < 60 ? t("underAMinute") : format.duration(seconds),
    [format, t],
  );
  const formatMeasure = useMemo(() => {
    return (which: Measure) => (value: number | undefined) => {
      if (value === undefined) return "—";
      const kind = measureKind(which);
      return kind === "rate"
        ? format.percent(value)
        : kind === "duration"
          ? duration(value)
          : format.number(value);
    };
  }, [format, duration]);

  const option = useMemo(
    () =>
      barChartOption(
        rows,
        measure,
        {
          measure: t(`measure.${measure}`),
          description: t("chart.description", {
            measure: t(`measure.${measure}`),
            dimension: vocabulary(dimension),
            groups: format.number(rows.length),
            suppressed: format.number(suppressedCount),
          }),
          suppressed: suppressedText,
          format: (value) => formatMeasure(measure)(value),
          // The axis starts at a plain zero, whatever the measure.
          axis: (value) => (value === 0 ? format.number(0) : formatMeasure(measure)(value)),
        },
        rtl,
      ),
    [rows, measure, t, vocabulary, dimension, format, suppressedCount, suppressedText, formatMeasure, rtl],
  );

  const cell = (row: BreakdownRow, which: Measure) =>
    row.suppressed ? (
      <span className="suppressed-cell">{suppressedText}</span>
    ) : (
      formatMeasure(which)(measureValue(row, which))
    );
  const exported = (row: BreakdownRow, which: Measure) =>
    row.suppressed ? suppressedText : (measureValue(row, which) ?? null);
  const percentile = (row: BreakdownRow, which: "timeToAccept" | "timeToComplete", p: "p50" | "p90") =>
    row.suppressed ? <span className="suppressed-cell">{suppressedText}</span> : duration(row[which][p]);
  const percentileValue = (row: BreakdownRow, which: "timeToAccept" | "timeToComplete", p: "p50" | "p90") =>
    row.suppressed ? suppressedText : (row[which][p] ?? null);

  const columns: Column<BreakdownRow>[] = [
    {
      key: "group",
      header: vocabulary(dimension),
      render: (row) => (
        <>
          <bdi>{row.label}</bdi>
          {row.suppressed ? <span className="visually-hidden"> ({suppressedText})</span> : null}
        </>
      ),
      value: (row) => row.label,
    },
    {
      key: "requested",
      header: t("measure.requested"),
      numeric: true,
      render: (row) => cell(row, "requested"),
      value: (row) => exported(row, "requested"),
    },
    {
      key: "acknowledgedRate",
      header: t("measure.acknowledgedRate"),
      numeric: true,
      render: (row) => cell(row, "acknowledgedRate"),
      value: (row) => exported(row, "acknowledgedRate"),
    },
    {
      key: "acceptanceRate",
      header: t("measure.acceptanceRate"),
      numeric: true,
      render: (row) => cell(row, "acceptanceRate"),
      value: (row) => exported(row, "acceptanceRate"),
    },
    {
      key: "completionRate",
      header: t("measure.completionRate"),
      numeric: true,
      render: (row) => cell(row, "completionRate"),
      value: (row) => exported(row, "completionRate"),
    },
    {
      key: "expiryRate",
      header: t("measure.expiryRate"),
      numeric: true,
      render: (row) => cell(row, "expiryRate"),
      value: (row) => exported(row, "expiryRate"),
    },
    {
      key: "acceptP50",
      header: t("table.acceptP50"),
      numeric: true,
      render: (row) => percentile(row, "timeToAccept", "p50"),
      value: (row) => percentileValue(row, "timeToAccept", "p50"),
    },
    {
      key: "acceptP90",
      header: t("table.acceptP90"),
      numeric: true,
      render: (row) => percentile(row, "timeToAccept", "p90"),
      value: (row) => percentileValue(row, "timeToAccept", "p90"),
    },
    {
      key: "completeP50",
      header: t("table.completeP50"),
      numeric: true,
      render: (row) => percentile(row, "timeToComplete", "p50"),
      value: (row) => percentileValue(row, "timeToComplete", "p50"),
    },
    {
      key: "completeP90",
      header: t("table.completeP90"),
      numeric: true,
      render: (row) => percentile(row, "timeToComplete", "p90"),
      value: (row) => percentileValue(row, "timeToComplete", "p90"),
    },
    {
      key: "overdue",
      header: t("measure.overdue"),
      numeric: true,
      render: (row) => cell(row, "overdue"),
      value: (row) => exported(row, "overdue"),
    },
  ];

  const total: BreakdownRow = {
    id: "\u0000total",
    value: undefined,
    label: t("total"),
    suppressed: headline.suppressed,
    requested: headline.requested,
    acknowledged: 0,
    accepted: 0,
    completed: 0,
    expired: 0,
    overdue: headline.overdue,
    rates: headline.rates,
    timeToAccept: headline.timeToAccept,
    timeToComplete: headline.timeToComplete,
  };

  const orSuppressed = (text: string) =>
    headline.suppressed ? <span className="suppressed-cell">{suppressedText}</span> : text;

  return (
    <Page title={tc("nav.dashboard")}>
      <Filters controls={controls} onChange={setControls} />
      {totals.isPending ? <Loading /> : null}
      <ProblemMessage error={totals.error} />
      {totals.data ? (
        <>
          <p className="hint" aria-live="polite">
            {totals.isFetching || breakdown.isFetching
              ? tc("state.loading")
              : t("asOf", { time: format.dateTime(totals.data.asOf) })}
          </p>
          <h2>{t("headline.title")}</h2>
          {headline.suppressed ? (
            <p className="notice-suppressed">{t("suppression.total", { min: format.number(minCellSize) })}</p>
          ) : null}
          <ul className="cards headline-cards">
            <Card label={t("measure.requested")}>{orSuppressed(format.number(headline.requested))}</Card>
            <Card label={t("measure.acknowledgedRate")}>
              {orSuppressed(format.percent(headline.rates.acknowledged))}
            </Card>
            <Card label={t("measure.acceptanceRate")}>
              {orSuppressed(format.percent(headline.rates.accepted))}
            </Card>
            <Card label={t("measure.completionRate")}>
              {orSuppressed(format.percent(headline.rates.completed))}
            </Card>
            <Card label={t("measure.expiryRate")}>
              {orSuppressed(format.percent(headline.rates.expired))}
            </Card>
            <Card
              label={t("headline.timeToAccept")}
              small
              note={
                headline.suppressed
                  ? undefined
                  : t("headline.samples", { samples: format.number(headline.timeToAccept.samples) })
              }
            >
              {orSuppressed(
                t("headline.percentiles", {
                  p50: duration(headline.timeToAccept.p50),
                  p90: duration(headline.timeToAccept.p90),
                }),
              )}
            </Card>
            <Card
              label={t("headline.timeToComplete")}
              small
              note={
                headline.suppressed
                  ? undefined
                  : t("headline.samples", { samples: format.number(headline.timeToComplete.samples) })
              }
            >
              {orSuppressed(
                t("headline.percentiles", {
                  p50: duration(headline.timeToComplete.p50),
                  p90: duration(headline.timeToComplete.p90),
                }),
              )}
            </Card>
            <Card
              label={t("measure.overdue")}
              note={
                headline.suppressed
                  ? undefined
                  : t("headline.followUpOverdue", { value: format.number(headline.followUpOverdue) })
              }
            >
              {orSuppressed(format.number(headline.overdue))}
            </Card>
          </ul>

          <h2>{t("breakdown.title")}</h2>
          <div className="form-row">
            <label htmlFor={dimensionId}>
              {t("breakdown.dimension")}
              <select
                id={dimensionId}
                value={dimension}
                onChange={(event) => setDimension(event.target.value as FigureDimension)}
              >
                {FIGURE_DIMENSIONS.map((value) => (
                  <option key={value} value={value}>
                    {vocabulary(value)}
                  </option>
                ))}
              </select>
            </label>
            <label htmlFor={measureId}>
              {t("breakdown.measure")}
              <select
                id={measureId}
                value={measure}
                onChange={(event) => setMeasure(event.target.value as Measure)}
              >
                {MEASURES.map((value) => (
                  <option key={value} value={value}>
                    {t(`measure.${value}`)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <p className="hint suppression-note">
            {t("suppression.explanation", { min: format.number(minCellSize) })}
          </p>
          {breakdown.isPending ? <Loading /> : null}
          <ProblemMessage error={breakdown.error} />
          {breakdown.data && rows.length > 0 ? (
            <figure className="dashboard-figure">
              <BarChart option={option} height={chartHeight(rows.length)} />
              <figcaption className="hint">
                {t("chart.caption", { measure: t(`measure.${measure}`), dimension: vocabulary(dimension) })}
              </figcaption>
            </figure>
          ) : null}
          {breakdown.data ? (
            <DataTable
              caption={t("table.caption", { dimension: vocabulary(dimension) })}
              exportName={`referral-figures-${dimension.replace("FIGURE_DIMENSION_", "").toLowerCase()}`}
              columns={columns}
              rows={rows.length > 0 ? [...rows, total] : []}
              rowKey={(row) => row.id}
              rowClassName={(row) =>
                row.id === total.id ? "total-row" : row.suppressed ? "suppressed-row" : undefined
              }
              empty={t("table.empty")}
            />
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
