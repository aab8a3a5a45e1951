import { useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useEffect, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../api/session.js";
import { setOutboxOwner, useOutbox } from "./outbox.js";
import "./offline.css";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  return () => {
    window.removeEventListener("online", onChange);
    window.removeEventListener("offline", onChange);
  };
}

export function useOnline(): boolean {
  return useSyncExternalStore(subscribe, () => navigator.onLine);
}

/**
 * Says so when the browser is offline (the referral wizard keeps working and queues what is sent),
 * and how many referrals wait on this device to be sent.
 */
export function OfflineStatus() {
  const { t } = useTranslation();
  const { t: tOutbox } = useTranslation("outbox");
  const online = useOnline();
  const session = useSession();
  useEffect(() => setOutboxOwner(session.staffId), [session.staffId]);
  const submissions = useOutbox();
  // Lists of referrals read before a queued submission went out are stale once it is sent.
  const queries = useQueryClient();
  const sentCount = submissions.filter((s) => s.status === "sent").length;
  useEffect(() => {
    if (sentCount > 0) void queries.invalidateQueries({ queryKey: ["intake"] });
  }, [sentCount, queries]);
  const waiting = submissions.filter((s) => s.status !== "sent");
  const attention = waiting.filter((s) => s.status === "needs_attention").length;
  return (
    <>
      {online ? null : (
        <p role="status" className="offline-banner">
          {t("offline.banner")}
        </p>
      )}
      <div role="status" className={waiting.length > 0 ? "outbox-count" : "visually-hidden"}>
        {waiting.length > 0 ? (
          <>
            {tOutbox("count.waiting", { count: waiting.length })}
            {attention > 0 ? ` ${tOutbox("count.attention", { count: attention })}` : null}{" "}
            <Link to="/my-referrals">{tOutbox("count.show")}</Link>
          </>
        ) : null}
      </div>
    </>
  );
}
