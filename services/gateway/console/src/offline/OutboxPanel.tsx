import { Link, useNavigate } from "@tanstack/react-router";
import { Trans, useTranslation } from "react-i18next";
import { useFormat } from "../format.js";
import { useVocabulary } from "../i18n/vocabulary.js";
import { clearSent, discard, kick, requestCorrection, useOutbox, useOutboxUnavailable } from "./outbox.js";
import { refusedStep, type Submission } from "./sync.js";
import "./offline.css";

/** The service and, when known, the organisation it goes to (no personal data). */
function Summary({ submission }: { submission: Submission }) {
  const { t } = useTranslation("outbox");
  const label = useVocabulary();
  const service = label(submission.summary.serviceType);
  if (!submission.summary.targetName) return <>{service}</>;
  return (
    <Trans
      t={t}
      i18nKey="summary"
      values={{ service, name: submission.summary.targetName }}
      components={{ name: <bdi /> }}
    />
  );
}

function StatusText({ submission }: { submission: Submission }) {
  const { t } = useTranslation("outbox");
  const format = useFormat();
  if (submission.status === "sent") {
    return <strong>{t("status.sent", { at: format.dateTime(submission.sentAt) })}</strong>;
  }
  if (submission.status === "needs_attention") {
    return <strong className="overdue-label">{t("status.needsAttention")}</strong>;
  }
  return (
    <>
      <strong>{t("status.waiting")}</strong>
      {submission.lastError ? (
        <span className="hint">
          {" "}
          {t("status.lastTry", {
            why: t(`why.${submission.lastError}`, { defaultValue: t("why.other") }),
            next: format.dateTime(submission.nextAttemptAt),
          })}
        </span>
      ) : null}
    </>
  );
}

/**
 * "Waiting to send": the referrals this device still has to send, the ones the server refused (to
 * correct or give up) and the ones sent (kept as ids only).
 */
export function OutboxPanel({ onCorrect }: { onCorrect?: (id: string) => void }) {
  const { t } = useTranslation("outbox");
  const format = useFormat();
  const navigate = useNavigate();
  const submissions = useOutbox();
  const unavailable = useOutboxUnavailable();
  const pending = submissions.filter((s) => s.status !== "sent");
  const sent = submissions.filter((s) => s.status === "sent");
  const correct = (id: string) => {
    if (onCorrect) onCorrect(id);
    else {
      requestCorrection(id);
      void navigate({ to: "/new-referral" });
    }
  };
  return (
    <section aria-labelledby="outbox-title" className="outbox">
      <h2 id="outbox-title">{t("title")}</h2>
      {unavailable ? (
        <p role="alert" className="problem">
          {t("unavailable")}
        </p>
      ) : null}
      {pending.length === 0 ? (
        <p className="empty">{t("nothingWaiting")}</p>
      ) : (
        <>
          <div className="outbox-tools">
            <button type="button" className="button secondary" onClick={() => void kick(true)}>
              {t("sendNow")}
            </button>
          </div>
          <ul className="outbox-list">
            {pending.map((submission) => {
              const refused = refusedStep(submission);
              return (
                <li
                  key={submission.id}
                  className={`outbox-item ${submission.status === "needs_attention" ? "needs-attention" : "waiting"}`}
                >
                  <div>
                    <Summary submission={submission} />{" "}
                    <span className="hint">
                      {t("queuedAt", { at: format.dateTime(submission.createdAt) })}
                    </span>
                  </div>
                  <div>
                    <StatusText submission={submission} />
                  </div>
                  {refused?.problem ? (
                    <p>
                      {t(`step.${refused.method}`)}:{" "}
                      {t(`problem.${refused.problem.code}`, { defaultValue: refused.problem.title })}
                    </p>
                  ) : null}
                  {submission.status === "needs_attention" ? (
                    <div className="actions">
                      <button type="button" className="button" onClick={() => correct(submission.id)}>
                        {t("correct")}
                      </button>
                      <button
                        type="button"
                        className="button danger"
                        onClick={() => void discard(submission.id)}
                      >
                        {t("discard")}
                      </button>
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {sent.length > 0 ? (
        <>
          <h3>{t("sentTitle")}</h3>
          <ul className="outbox-list">
            {sent.map((submission) => (
              <li key={submission.id} className="outbox-item sent">
                <div>
                  <Summary submission={submission} />
                </div>
                <div>
                  <StatusText submission={submission} />{" "}
                  {submission.referralId ? (
                    <Link to="/my-referrals/$referralId" params={{ referralId: submission.referralId }}>
                      {t("openReferral")}
                    </Link>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
          <div className="outbox-tools">
            <button type="button" className="button secondary" onClick={() => void clearSent()}>
              {t("clearSent")}
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}
