import type {
  CounsellingSessionType,
  CounsellingTopic,
  SessionModality,
} from "@kopru/contracts/municipality/v1/case";
import type { RuleViolation } from "./errors.js";

export const MAX_SESSION_MINUTES = 480;
export const MAX_NOTES_LENGTH = 4_000;
/** Clock skew allowed between a caller's device and the service for "when it happened" times. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

const BCP47 = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export function isLanguageTag(value: string): boolean {
  return BCP47.test(value);
}

export interface CounsellingSessionDraft {
  sessionType: CounsellingSessionType;
  modality: SessionModality;
  topics: readonly CounsellingTopic[];
  interpreterUsed: boolean;
  interpreterLanguage: string | undefined;
  durationMinutes: number;
  heldAt: Date;
  notes: string | undefined;
}

/** The rules a counselling session must meet beyond well-formed codes; empty when it meets them all. */
export function counsellingSessionViolations(draft: CounsellingSessionDraft, now: Date): RuleViolation[] {
  const violations: RuleViolation[] = [];
  if (new Set(draft.topics).size !== draft.topics.length)
    violations.push({ field: "topics", description: "must not list a topic twice" });
  const language = draft.interpreterLanguage ?? "";
  if (draft.interpreterUsed && language === "")
    violations.push({
      field: "interpreter_language",
      description: "is required when interpreter_used is set",
    });
  if (!draft.interpreterUsed && language !== "")
    violations.push({
      field: "interpreter_language",
      description: "must be empty when no interpreter was used",
    });
  if (language !== "" && !isLanguageTag(language))
    violations.push({
      field: "interpreter_language",
      description: 'must be a BCP 47 language tag, e.g. "ar"',
    });
  if (
    !Number.isInteger(draft.durationMinutes) ||
    draft.durationMinutes < 1 ||
    draft.durationMinutes > MAX_SESSION_MINUTES
  )
    violations.push({
      field: "duration_minutes",
      description: `must be between 1 and ${MAX_SESSION_MINUTES}`,
    });
  if (Number.isNaN(draft.heldAt.getTime()))
    violations.push({ field: "held_at", description: "is not a valid timestamp" });
  else if (draft.heldAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
    violations.push({ field: "held_at", description: "must not be in the future" });
  if ((draft.notes?.length ?? 0) > MAX_NOTES_LENGTH)
    violations.push({ field: "notes", description: `must be at most ${MAX_NOTES_LENGTH} characters` });
  return violations;
}
