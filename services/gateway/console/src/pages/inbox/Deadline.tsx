import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { type Formatters, useFormat } from "../../format.js";
import type { DeadlineState } from "./deadlines.js";

/**
 * A deadline as people read it: "in 5 hours" (the countdown) with the exact time on hover and for
 * screen readers, and — never by colour alone — the words "Overdue" or "Due soon".
 */
export function Deadline({ at, state, now }: { at: string | undefined; state: DeadlineState; now: number }) {
  const format = useFormat();
  const words = useDeadlineWords();
  return deadlineText(at, state, now, format, words);
}

/** The same without hooks, for tables that render many rows from one set of formatters. */
export function deadlineText(
  at: string | undefined,
  state: DeadlineState,
  now: number,
  format: Formatters,
  words: (state: DeadlineState) => string,
): ReactNode {
  if (!at) return "—";
  return (
    <span className="deadline">
      <time dateTime={at} title={format.dateTime(at)}>
        {format.relative(at, now)}
      </time>
      {state === "overdue" || state === "soon" ? (
        <>
          {" "}
          <span className={state === "overdue" ? "overdue-label" : "soon-label"}>{words(state)}</span>
        </>
      ) : null}
    </span>
  );
}

/** The words of a deadline's state, for exports (no colour there either). */
export function useDeadlineWords() {
  const { t } = useTranslation("inbox");
  return (state: DeadlineState) =>
    state === "overdue" ? t("deadline.overdue") : state === "soon" ? t("deadline.soon") : "";
}
