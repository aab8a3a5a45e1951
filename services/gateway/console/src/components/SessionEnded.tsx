import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { loginUrl } from "../api/client.js";
import { type SessionEnd, useSessionEnding } from "../api/expiry.js";

/** All the console shows once the session ended: why, what was kept, and the way back in. */
export function SessionEnded({ end }: { end: SessionEnd }) {
  const { t } = useTranslation();
  const ending = useSessionEnding();
  // Anything the old pages fetched while they were being taken down goes too.
  useEffect(() => ending.dropCache(), [ending]);
  useEffect(() => {
    document.title = t("session.endedTitle");
  }, [t]);
  return (
    <main id="main" className="session-ended">
      <h1>{t("session.endedTitle")}</h1>
      <p role="alert">{end.reason === "idle" ? t("session.idleEnded") : t("session.expired")}</p>
      {end.unsent > 0 ? <p>{t("session.unsentKept", { count: end.unsent })}</p> : null}
      <p>
        <a className="button" href={loginUrl()}>
          {t("session.logInAgain")}
        </a>
      </p>
    </main>
  );
}
