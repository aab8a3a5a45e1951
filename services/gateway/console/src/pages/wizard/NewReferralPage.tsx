import { Link } from "@tanstack/react-router";
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../api/session.js";
import { Loading, Page } from "../../components/Page.js";
import { useOnline } from "../../offline/OfflineStatus.js";
import { OutboxPanel } from "../../offline/OutboxPanel.js";
import { enqueue, getSubmission, takeCorrectionRequest, useOutbox } from "../../offline/outbox.js";
import { indexedDbDrafts } from "../../offline/store.js";
import {
  correctSubmission,
  createSubmission,
  refusedStep,
  type StoredProblem,
  type Submission,
} from "../../offline/sync.js";
import { ConfirmStep } from "./ConfirmStep.js";
import { ConsentStep } from "./ConsentStep.js";
import {
  checkStep,
  emptyDraft,
  type FieldProblems,
  problemsOfRefusal,
  STEPS,
  type StepId,
  stepOfMethod,
  submissionSteps,
  type WizardDraft,
} from "./draft.js";
import { fieldId, ProblemsProvider } from "./fields.js";
import { NeedsStep } from "./NeedsStep.js";
import { PersonStep } from "./PersonStep.js";
import { ReferralStep } from "./ReferralStep.js";
import "./wizard.css";

const drafts = indexedDbDrafts();

/** A refusal the wizard shows on the step it belongs to. */
interface Refusal {
  step: StepId;
  problem: StoredProblem;
}

function StepList({
  current,
  reachable,
  withProblems,
  go,
}: {
  current: StepId;
  reachable: (step: StepId) => boolean;
  withProblems: ReadonlySet<StepId>;
  go(step: StepId): void;
}) {
  const { t } = useTranslation("wizard");
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const [focusIndex, setFocusIndex] = useState(STEPS.indexOf(current));
  useEffect(() => setFocusIndex(STEPS.indexOf(current)), [current]);
  const onKeyDown = (event: KeyboardEvent<HTMLOListElement>) => {
    const rtl = document.documentElement.dir === "rtl";
    const forward = rtl ? "ArrowLeft" : "ArrowRight";
    const backward = rtl ? "ArrowRight" : "ArrowLeft";
    let next = focusIndex;
    if (event.key === forward || event.key === "ArrowDown") next = Math.min(STEPS.length - 1, focusIndex + 1);
    else if (event.key === backward || event.key === "ArrowUp") next = Math.max(0, focusIndex - 1);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = STEPS.length - 1;
    else return;
    event.preventDefault();
    setFocusIndex(next);
    buttons.current[next]?.focus();
  };
  return (
    <nav aria-label={t("stepsLabel")} className="wizard-steps">
      <ol onKeyDown={onKeyDown}>
        {STEPS.map((step, index) => {
          const state =
            step === current
              ? t("stepState.current")
              : withProblems.has(step)
                ? t("stepState.problem")
                : reachable(step)
                  ? t("stepState.available")
                  : t("stepState.notYet");
          return (
            <li key={step} className={step === current ? "current" : undefined}>
              <button
                ref={(element) => {
                  buttons.current[index] = element;
                }}
                type="button"
                className="wizard-step-button"
                aria-current={step === current ? "step" : undefined}
                tabIndex={index === focusIndex ? 0 : -1}
                disabled={!reachable(step)}
                onClick={() => go(step)}
              >
                <span className="wizard-step-number" aria-hidden="true">
                  {index + 1}
                </span>
                <span>{t(`steps.${step}`)}</span>
                <span className="visually-hidden">
                  {" "}
                  {t("stepOf", { index: index + 1, total: STEPS.length })}, {state}
                </span>
                {withProblems.has(step) ? (
                  <span className="wizard-step-flag" aria-hidden="true">
                    !
                  </span>
                ) : null}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** What became of the submission just sent (or queued): sending, waiting for the connection, sent. */
function SentView({ submission, onNew }: { submission: Submission | undefined; onNew(): void }) {
  const { t } = useTranslation("wizard");
  const online = useOnline();
  if (!submission) return <Loading />;
  return (
    <div className="wizard-section">
      {submission.status === "sent" ? (
        <div role="status" className="notice-ok">
          <p>{t("sent.done")}</p>
          {submission.referralId ? (
            <p>
              <Link to="/my-referrals/$referralId" params={{ referralId: submission.referralId }}>
                {t("sent.open")}
              </Link>
            </p>
          ) : null}
        </div>
      ) : (
        <p role="status" className="offline-banner">
          {online ? t("sent.sending") : t("sent.queuedOffline")}
        </p>
      )}
      <button type="button" className="button" onClick={onNew}>
        {t("sent.another")}
      </button>
    </div>
  );
}

export default function NewReferralPage() {
  const { t } = useTranslation("wizard");
  const session = useSession();
  const submissions = useOutbox();
  const [draft, setDraft] = useState<WizardDraft>(() => emptyDraft());
  const [step, setStep] = useState<StepId>("person");
  const [visited, setVisited] = useState<Set<StepId>>(() => new Set(["person"]));
  const [problems, setProblems] = useState<FieldProblems>({});
  const [refusal, setRefusal] = useState<Refusal | undefined>();
  /** The refused submission being corrected (steps already done cannot change). */
  const [correcting, setCorrecting] = useState<Submission | undefined>();
  /** The submission queued last, followed until it is sent or refused. */
  const [sentId, setSentId] = useState<string | undefined>();
  const [loaded, setLoaded] = useState(false);
  const [saveState, setSaveState] = useState<"idle" | "saved" | "failed">("idle");
  const dirty = useRef(false);
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const moveFocus = useRef(false);

  const lockedSteps = useMemo(() => {
    const locked = new Set<StepId>();
    for (const s of correcting?.steps ?? []) if (s.state === "done") locked.add(stepOfMethod(s.method));
    return locked;
  }, [correcting]);

  const loadCorrection = useCallback((submission: Submission) => {
    const failed = refusedStep(submission);
    setDraft(submission.draft as WizardDraft);
    setCorrecting(submission);
    setSentId(undefined);
    setVisited(new Set(STEPS));
    if (failed?.problem) {
      const at = stepOfMethod(failed.method);
      setProblems(problemsOfRefusal(failed.method, failed.problem));
      setRefusal({ step: at, problem: failed.problem });
      setStep(at);
    } else {
      setProblems({});
      setRefusal(undefined);
      setStep("confirm");
    }
    moveFocus.current = true;
  }, []);

  // On opening: a correction asked for from the list, else the draft kept on this device.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const correctionId = takeCorrectionRequest();
      try {
        const submission = correctionId ? await getSubmission(correctionId) : undefined;
        if (cancelled) return;
        if (submission?.draft && submission.status === "needs_attention") {
          loadCorrection(submission);
        } else {
          const stored = await drafts.get<WizardDraft>(session.staffId);
          if (cancelled) return;
          // A draft of an earlier session is not shown again (the shell deletes it: ADR 0021).
          if (stored && stored.session === session.startedAt) {
            setDraft(stored.draft);
            const at = (STEPS as readonly string[]).includes(stored.step)
              ? (stored.step as StepId)
              : "person";
            setStep(at);
            setVisited(new Set(STEPS.slice(0, STEPS.indexOf(at) + 1)));
          }
        }
      } catch {
        setSaveState("failed");
      }
      if (!cancelled) setLoaded(true);
    })();
    return () => {
      cancelled = true;
    };
  }, [session.staffId, session.startedAt, loadCorrection]);

  // Keep the unfinished wizard on this device (never in the URL or history), half a second after a change.
  useEffect(() => {
    if (!loaded || !dirty.current || correcting || sentId) return;
    const timer = setTimeout(() => {
      drafts
        .put({
          owner: session.staffId,
          draft,
          step,
          updatedAt: new Date().toISOString(),
          session: session.startedAt,
        })
        .then(() => setSaveState("saved"))
        .catch(() => setSaveState("failed"));
    }, 500);
    return () => clearTimeout(timer);
  }, [draft, step, loaded, correcting, sentId, session.staffId, session.startedAt]);

  // Follow the submission just sent: a refusal brings its step back with the problem.
  const followed = sentId ? submissions.find((s) => s.id === sentId) : undefined;
  useEffect(() => {
    if (followed?.status === "needs_attention" && followed.draft) loadCorrection(followed);
  }, [followed, loadCorrection]);

  useEffect(() => {
    if (moveFocus.current) {
      moveFocus.current = false;
      stepHeading.current?.focus();
    }
  });

  const change = <K extends keyof WizardDraft>(section: K, patch: Partial<WizardDraft[K]>) => {
    dirty.current = true;
    setDraft((current) => ({ ...current, [section]: { ...current[section], ...patch } }));
  };

  const reachable = (target: StepId) => visited.has(target);

  const go = (target: StepId) => {
    setStep(target);
    setVisited((current) => new Set([...current, target]));
    moveFocus.current = true;
    dirty.current = true;
  };

  const focusFirstProblem = (found: FieldProblems) => {
    const first = Object.keys(found)[0];
    if (!first) return;
    requestAnimationFrame(() => document.getElementById(fieldId(first))?.focus());
  };

  const next = () => {
    const found = checkStep(step, draft);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      focusFirstProblem(found);
      return;
    }
    if (step === "person" && draft.consent.explainedInLanguage === "" && draft.person.preferredLanguage)
      change("consent", { explainedInLanguage: draft.person.preferredLanguage });
    if (step === "needs" && draft.referral.serviceType === "" && draft.needs.servicesNeeded.length === 1)
      change("referral", { serviceType: draft.needs.servicesNeeded[0] ?? "" });
    const index = STEPS.indexOf(step);
    const following = STEPS[index + 1];
    if (following) go(following);
  };

  const back = () => {
    const previous = STEPS[STEPS.indexOf(step) - 1];
    if (previous) go(previous);
  };

  const send = async () => {
    for (const s of STEPS) {
      if (lockedSteps.has(s)) continue;
      const found = checkStep(s, draft);
      if (Object.keys(found).length > 0) {
        setProblems(found);
        go(s);
        focusFirstProblem(found);
        return;
      }
    }
    const at = new Date().toISOString();
    const steps = submissionSteps(draft, session.organisationId, at);
    const summary = {
      serviceType: draft.referral.serviceType,
      targetName: draft.referral.target?.organisationName,
    };
    const submission = correcting
      ? correctSubmission(correcting, { draft, summary, steps, at }, () => crypto.randomUUID())
      : createSubmission({
          id: crypto.randomUUID(),
          owner: session.staffId,
          at,
          summary,
          draft,
          context:
            draft.person.mode === "existing" ? { beneficiaryId: draft.person.existingId.trim() } : undefined,
          steps,
          newKey: () => crypto.randomUUID(),
        });
    await enqueue(submission);
    await drafts.delete(session.staffId).catch(() => undefined);
    dirty.current = false;
    setCorrecting(undefined);
    setRefusal(undefined);
    setProblems({});
    setSentId(submission.id);
    moveFocus.current = true;
  };

  const startOver = async () => {
    await drafts.delete(session.staffId).catch(() => undefined);
    dirty.current = false;
    setDraft(emptyDraft());
    setCorrecting(undefined);
    setRefusal(undefined);
    setProblems({});
    setSentId(undefined);
    setVisited(new Set(["person"]));
    setStep("person");
    setSaveState("idle");
    moveFocus.current = true;
  };

  const withProblems = new Set<StepId>(
    Object.keys(problems).map((name) =>
      name.split(".")[0] === "confirm" ? "confirm" : (name.split(".")[0] as StepId),
    ),
  );
  if (refusal) withProblems.add(refusal.step);

  if (!loaded) {
    return (
      <Page title={t("title")}>
        <Loading />
      </Page>
    );
  }

  return (
    <Page title={t("title")}>
      {sentId ? (
        <>
          <h2 ref={stepHeading} tabIndex={-1}>
            {t("sent.title")}
          </h2>
          <SentView submission={followed} onNew={() => void startOver()} />
        </>
      ) : (
        <ProblemsProvider value={problems}>
          <StepList current={step} reachable={reachable} withProblems={withProblems} go={go} />
          {correcting ? <p className="notice-ok">{t("correcting")}</p> : null}
          <form
            className="wizard-form"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              if (step === "confirm") void send();
              else next();
            }}
          >
            <h2 ref={stepHeading} tabIndex={-1}>
              {t("stepHeading", {
                index: STEPS.indexOf(step) + 1,
                total: STEPS.length,
                name: t(`steps.${step}`),
              })}
            </h2>
            {refusal && refusal.step === step ? (
              <div role="alert" className="problem">
                <p>{t("refused", { step: t(`steps.${refusal.step}`) })}</p>
                <p>{t(`problem.${refusal.problem.code}`, { defaultValue: refusal.problem.title })}</p>
                {refusal.problem.detail ? <p lang="en">{refusal.problem.detail}</p> : null}
                {refusal.problem.invalidParams.length > 0 ? (
                  <ul>
                    {refusal.problem.invalidParams.map((param) => (
                      <li key={param.name}>
                        <code>{param.name}</code>: <span lang="en">{param.reason}</span>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            ) : Object.keys(problems).length > 0 ? (
              <p role="alert" className="problem">
                {t("fixFields", { count: Object.keys(problems).length })}
              </p>
            ) : null}
            {step === "person" ? (
              <PersonStep
                person={draft.person}
                set={(patch) => change("person", patch)}
                locked={lockedSteps.has("person")}
              />
            ) : null}
            {step === "consent" ? (
              <ConsentStep
                consent={draft.consent}
                set={(patch) => change("consent", patch)}
                locked={lockedSteps.has("consent")}
              />
            ) : null}
            {step === "needs" ? (
              <NeedsStep
                needs={draft.needs}
                set={(patch) => change("needs", patch)}
                locked={lockedSteps.has("needs")}
              />
            ) : null}
            {step === "referral" ? (
              <ReferralStep
                draft={draft}
                set={(patch) => change("referral", patch)}
                addOrganisationToConsent={(target) => {
                  if (lockedSteps.has("consent")) return;
                  change("consent", {
                    organisations: [
                      ...draft.consent.organisations.filter((o) => o.id !== target.organisationId),
                      { id: target.organisationId, name: target.organisationName },
                    ],
                  });
                }}
              />
            ) : null}
            {step === "confirm" ? (
              <ConfirmStep
                draft={draft}
                setExtra={(extraCategories) => change("referral", { extraCategories })}
              />
            ) : null}
            <div className="wizard-nav">
              {step !== "person" ? (
                <button type="button" className="button secondary" onClick={back}>
                  {t("back")}
                </button>
              ) : null}
              <button type="submit" className="button">
                {step === "confirm" ? t("send") : t("next")}
              </button>
              <button type="button" className="button danger" onClick={() => void startOver()}>
                {correcting ? t("cancelCorrection") : t("startOver")}
              </button>
              <span role="status" className="hint">
                {saveState === "saved" ? t("draftSaved") : saveState === "failed" ? t("draftNotSaved") : ""}
              </span>
            </div>
          </form>
        </ProblemsProvider>
      )}
      <OutboxPanel onCorrect={(id) => void getSubmission(id).then((s) => s && loadCorrection(s))} />
    </Page>
  );
}
