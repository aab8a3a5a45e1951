// The offline queue's rules, free of the browser: what a queued submission is, how its steps are sent
// in order and exactly once, what a failure means, and what is left of it once it is sent. The
// browser side (IndexedDB, the `online` event, timers) lives in outbox.ts and store.ts.

/** The intake methods a submission is made of, in the order they are sent. */
export type OutboxMethod = "RegisterBeneficiary" | "RecordConsent" | "ScreenNeeds" | "CreateReferral";

/** A failure answer as kept with a step (what the user is shown). */
export interface StoredProblem {
  status: number;
  code: string;
  title: string;
  detail?: string | undefined;
  invalidParams: { name: string; reason: string }[];
}

export interface OutboxStep {
  method: OutboxMethod;
  /** Idempotency key (UUID), made once when the step was queued; also the request's `requestId`. */
  key: string;
  /** The request as it will be sent, less the ids earlier steps answer; null once sent. */
  request: Record<string, unknown> | null;
  /** Names of earlier steps' outputs copied into the request before it is sent (e.g. beneficiaryId). */
  inputs: string[];
  state: "pending" | "done" | "failed";
  /** The ids the answer carried (no personal data). */
  outputs?: Record<string, string>;
  /** Set when the server refused the step: it is not sent again until corrected. */
  problem?: StoredProblem;
}

export type SubmissionStatus = "waiting" | "needs_attention" | "sent";

/** One referral the wizard queued: its steps, and until it is sent, the wizard's data it came from. */
export interface Submission<Draft = unknown> {
  id: string;
  /** The staff member who queued it: only their session sends it (keys are theirs). */
  owner: string;
  createdAt: string;
  updatedAt: string;
  status: SubmissionStatus;
  /** What the lists show: no personal data (service type, target organisation's name). */
  summary: { serviceType: string; targetName?: string | undefined };
  /** The wizard's data, to correct a refused step; deleted as soon as the submission is sent. */
  draft: Draft | null;
  /** Ids known before the first step (an existing person's beneficiaryId). */
  context: Record<string, string>;
  steps: OutboxStep[];
  /** Failed attempts in a row (network, server busy) since the last progress; drives the backoff. */
  attempts: number;
  /** Not before this instant (ISO); absent = now. */
  nextAttemptAt?: string | undefined;
  /** Why the last attempt did not get through (a transient failure), for the list. */
  lastError?: string | undefined;
  sentAt?: string | undefined;
  referralId?: string | undefined;
  referralStatus?: string | undefined;
}

/** Where submissions are kept (IndexedDB in the browser, a Map in tests). */
export interface SubmissionStore {
  all(): Promise<Submission[]>;
  put(submission: Submission): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Sends one step; throws a ProblemLike on failure (status 0 = no connection). */
export type Transport = (
  method: OutboxMethod,
  request: Record<string, unknown>,
  key: string,
) => Promise<unknown>;

export interface ProblemLike {
  status: number;
  code: string;
  title?: string;
  detail?: string | undefined;
  invalidParams?: readonly { name: string; reason: string }[];
}

function isProblemLike(error: unknown): error is ProblemLike {
  return typeof error === "object" && error !== null && "status" in error && "code" in error;
}

/**
 * Whether a failure may go away by itself (send the same step again later, with the same key) or is
 * the server's answer to this request (sending it again would get the same answer).
 */
export function isTransient(problem: ProblemLike): boolean {
  if (problem.status === 0) return true; // no connection, or the answer was lost on the way
  if (problem.status === 401) return true; // the session ended: sent after the next login
  if (problem.status === 408 || problem.status === 425 || problem.status === 429) return true;
  if (problem.status >= 500) return true;
  if (problem.code === "idempotency_request_in_progress") return true;
  return false;
}

/** Wait before the next attempt after `attempts` failures in a row: 2 s doubling, at most 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(5 * 60_000, 2_000 * 2 ** Math.max(0, attempts - 1));
}

/** The ids an answer carries, kept after the step (the rest of the answer may hold personal data). */
export function outputsOf(method: OutboxMethod, answer: unknown): Record<string, string> {
  const a = (answer ?? {}) as Record<string, Record<string, unknown> | undefined>;
  switch (method) {
    case "RegisterBeneficiary": {
      const duplicates = (answer as { possibleDuplicateIds?: unknown[] } | undefined)?.possibleDuplicateIds;
      return {
        beneficiaryId: String(a.beneficiary?.beneficiaryId ?? ""),
        possibleDuplicates: String(Array.isArray(duplicates) ? duplicates.length : 0),
      };
    }
    case "RecordConsent":
      return { consentId: String(a.consent?.consentId ?? "") };
    case "ScreenNeeds":
      return { screeningId: String(a.screening?.screeningId ?? "") };
    case "CreateReferral": {
      const referral = a.referral ?? {};
      const target = (referral.target ?? {}) as Record<string, unknown>;
      return {
        referralId: String(referral.referralId ?? ""),
        referralStatus: String(referral.status ?? ""),
        targetName: String(target.displayName ?? target.organisationId ?? ""),
      };
    }
  }
}

/** The request of a step with the ids earlier steps answered filled in (the same bytes every time). */
export function boundRequest(submission: Submission, index: number): Record<string, unknown> {
  const step = submission.steps[index];
  if (!step?.request) throw new Error(`step ${index} has no request`);
  const known: Record<string, string> = { ...submission.context };
  for (const earlier of submission.steps.slice(0, index)) Object.assign(known, earlier.outputs ?? {});
  const request: Record<string, unknown> = { ...step.request };
  for (const name of step.inputs) {
    const value = known[name];
    if (!value) throw new Error(`step ${step.method} needs ${name}, which no earlier step answered`);
    request[name] = value;
  }
  return request;
}

/** What is left of a sent submission: ids, status and the summary — no personal data. */
export function withoutPersonalData(submission: Submission, at: string): Submission {
  const outputs: Record<string, string> = {};
  for (const step of submission.steps) Object.assign(outputs, step.outputs ?? {});
  return {
    id: submission.id,
    owner: submission.owner,
    createdAt: submission.createdAt,
    updatedAt: at,
    status: "sent",
    summary: {
      serviceType: submission.summary.serviceType,
      targetName: outputs.targetName || submission.summary.targetName,
    },
    draft: null,
    context: {},
    steps: [],
    attempts: 0,
    sentAt: at,
    referralId: outputs.referralId,
    referralStatus: outputs.referralStatus,
  };
}

export interface NewStep {
  method: OutboxMethod;
  request: Record<string, unknown>;
  inputs?: string[];
}

/**
 * A new submission: every step gets its idempotency key now, once (it is also the request's
 * requestId), so whatever happens later, a step sent twice is the same request.
 */
export function createSubmission<Draft>(input: {
  id: string;
  owner: string;
  at: string;
  summary: Submission["summary"];
  draft: Draft;
  context?: Record<string, string>;
  steps: NewStep[];
  newKey: () => string;
}): Submission<Draft> {
  return {
    id: input.id,
    owner: input.owner,
    createdAt: input.at,
    updatedAt: input.at,
    status: "waiting",
    summary: input.summary,
    draft: input.draft,
    context: input.context ?? {},
    steps: input.steps.map((step) => newStep(step, input.newKey())),
    attempts: 0,
  };
}

function newStep(step: NewStep, key: string): OutboxStep {
  return {
    method: step.method,
    key,
    request: { ...step.request, requestId: key },
    inputs: step.inputs ?? [],
    state: "pending",
  };
}

/**
 * A refused submission, corrected: steps already done stay done (their answers are kept, they are
 * not sent again); the refused step and the ones after it take the corrected requests and new keys
 * (the old key belongs to the refused request).
 */
export function correctSubmission<Draft>(
  submission: Submission<Draft>,
  corrected: { draft: Draft; summary: Submission["summary"]; steps: NewStep[]; at: string },
  newKey: () => string,
): Submission<Draft> {
  const done = submission.steps.filter((step) => step.state === "done");
  const doneMethods = new Set(done.map((step) => step.method));
  const rest = corrected.steps
    .filter((step) => !doneMethods.has(step.method))
    .map((s) => newStep(s, newKey()));
  return {
    ...submission,
    status: "waiting",
    updatedAt: corrected.at,
    summary: corrected.summary,
    draft: corrected.draft,
    steps: [...done, ...rest],
    attempts: 0,
    nextAttemptAt: undefined,
    lastError: undefined,
  };
}

/** The step a refused submission stopped at, with the server's problem. */
export function refusedStep(submission: Submission): OutboxStep | undefined {
  return submission.steps.find((step) => step.state === "failed");
}

export interface DrainResult {
  /** Submissions sent completely during this run. */
  sent: string[];
  /** Submissions a step of which was refused. */
  refused: string[];
  /** Stopped on a transient failure: when to try again (ms from now), else undefined. */
  retryInMs: number | undefined;
}

/**
 * Sends what is waiting, oldest first, each submission's steps in order. A step answered is stored
 * at once (so it is never sent again); a transient failure stops the run (the connection is likely
 * gone, and order matters) and schedules the next one with backoff; a refusal marks the submission
 * for correction and the run goes on with the next one. A sent submission keeps only its ids.
 */
export async function drain(options: {
  store: SubmissionStore;
  send: Transport;
  owner: string;
  now: () => Date;
  /** Try even submissions whose backoff has not ended (the connection just came back). */
  ignoreBackoff?: boolean;
  onChange?: () => void;
}): Promise<DrainResult> {
  const { store, send, owner, now } = options;
  const result: DrainResult = { sent: [], refused: [], retryInMs: undefined };
  const waiting = (await store.all())
    .filter((s) => s.owner === owner && s.status === "waiting")
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  for (const original of waiting) {
    let submission = original;
    const due = submission.nextAttemptAt ? Date.parse(submission.nextAttemptAt) : 0;
    if (!options.ignoreBackoff && due > now().getTime()) {
      result.retryInMs = Math.min(result.retryInMs ?? Number.POSITIVE_INFINITY, due - now().getTime());
      break;
    }
    for (let index = 0; index < submission.steps.length; index++) {
      const step = submission.steps[index] as OutboxStep;
      if (step.state === "done") continue;
      let answer: unknown;
      try {
        answer = await send(step.method, boundRequest(submission, index), step.key);
      } catch (error) {
        const problem: ProblemLike = isProblemLike(error)
          ? error
          : { status: 0, code: "offline", title: String((error as Error)?.message ?? error) };
        if (isTransient(problem)) {
          const attempts = submission.attempts + 1;
          const wait = backoffMs(attempts);
          submission = {
            ...submission,
            attempts,
            nextAttemptAt: new Date(now().getTime() + wait).toISOString(),
            lastError: problem.code,
            updatedAt: now().toISOString(),
          };
          await store.put(submission);
          options.onChange?.();
          result.retryInMs = wait;
          return result;
        }
        const steps = [...submission.steps];
        steps[index] = {
          ...step,
          state: "failed",
          problem: {
            status: problem.status,
            code: problem.code,
            title: problem.title ?? problem.code,
            detail: problem.detail,
            invalidParams: [...(problem.invalidParams ?? [])],
          },
        };
        submission = {
          ...submission,
          steps,
          status: "needs_attention",
          attempts: 0,
          nextAttemptAt: undefined,
          lastError: undefined,
          updatedAt: now().toISOString(),
        };
        await store.put(submission);
        options.onChange?.();
        result.refused.push(submission.id);
        break;
      }
      const steps = [...submission.steps];
      steps[index] = { ...step, state: "done", request: null, outputs: outputsOf(step.method, answer) };
      submission = {
        ...submission,
        steps,
        attempts: 0,
        nextAttemptAt: undefined,
        lastError: undefined,
        updatedAt: now().toISOString(),
      };
      await store.put(submission);
      options.onChange?.();
    }
    if (submission.status === "waiting" && submission.steps.every((step) => step.state === "done")) {
      await store.put(withoutPersonalData(submission, now().toISOString()));
      options.onChange?.();
      result.sent.push(submission.id);
    }
  }
  return result;
}
