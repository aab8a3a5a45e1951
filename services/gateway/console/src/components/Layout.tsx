import { Link, Outlet } from "@tanstack/react-router";
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { lastActivity, onActivity } from "../api/activity.js";
import { logout } from "../api/client.js";
import { useSessionEnding } from "../api/expiry.js";
import { useRpcQuery } from "../api/hooks.js";
import { useCapabilities, useSession } from "../api/session.js";
import { forgetDraftsOfEndedSessions } from "../offline/leaving.js";
import { OfflineStatus } from "../offline/OfflineStatus.js";
import { forgetStaffMember, kick, unsentOf } from "../offline/outbox.js";
import { indexedDbDrafts } from "../offline/store.js";
import { LanguageSwitch } from "./LanguageSwitch.js";

interface NavItem {
  to: string;
  label: string;
}

function useNavigation(): NavItem[] {
  const { t } = useTranslation();
  const can = useCapabilities();
  const items: NavItem[] = [];
  if (can.receives) {
    items.push({ to: "/inbox", label: t("nav.inbox") });
    items.push({ to: "/my-cases", label: t("nav.myCases") });
    items.push({ to: "/follow-ups", label: t("nav.followUps") });
  }
  if (can.refers) {
    items.push({ to: "/new-referral", label: t("nav.newReferral") });
    items.push({ to: "/my-referrals", label: t("nav.myReferrals") });
  }
  if (can.coordinates) {
    items.push({ to: "/dashboard", label: t("nav.dashboard") });
    items.push({ to: "/overdue", label: t("nav.overdue") });
    items.push({ to: "/erasure-requests", label: t("nav.erasures") });
  }
  items.push({ to: "/directory", label: t("nav.directory") });
  return items;
}

function NotificationsLink() {
  const { t } = useTranslation();
  const unread = useRpcQuery(
    "notifications",
    "ListNotifications",
    { unreadOnly: true, page: { pageSize: 1 } },
    // The console's own poll: it must not keep an unattended session alive.
    { refetchInterval: 60_000, background: true },
  );
  const count = Number(unread.data?.unreadCount ?? 0);
  return (
    <Link to="/notifications" className="notifications-link">
      {t("nav.notifications")}
      {count > 0 ? (
        <span className="badge">
          <span aria-hidden="true">{count}</span>
          <span className="visually-hidden">{t("notifications.unreadCount", { count })}</span>
        </span>
      ) : null}
    </Link>
  );
}

/**
 * Warns a minute before the idle timeout, and at the timeout ends the session in this tab (the
 * screen is cleared). Only the person's keys and pointer count, as for the backend's idle clock.
 */
function IdleWarning({ seconds }: { seconds: number }) {
  const { t } = useTranslation();
  const ending = useSessionEnding();
  const [last, setLast] = useState(lastActivity());
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const off = onActivity(() => setLast(lastActivity()));
    const timer = setInterval(() => setNow(Date.now()), 5_000);
    return () => {
      off();
      clearInterval(timer);
    };
  }, []);
  const remaining = seconds - (now - last) / 1000;
  const over = remaining <= 0;
  useEffect(() => {
    if (over) void ending.end("idle");
  }, [over, ending]);
  if (remaining > 60 || over) return null;
  return (
    <div role="alert" className="idle-warning">
      {t("session.idleSoon")}
    </div>
  );
}

/**
 * Logging out leaves nothing of the staff member's referral work on this device. Submissions not
 * sent yet would be lost with it, so the person is asked first: stay to let them go, or log out and
 * discard them.
 */
function LogOut() {
  const { t } = useTranslation();
  const session = useSession();
  const [unsent, setUnsent] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const leave = async () => {
    await forgetStaffMember(session.staffId).catch(() => undefined);
    await logout().catch(() => undefined);
    window.location.assign("/console/");
  };
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (unsent > 0 && !element.open) {
      element.showModal();
      element.querySelector<HTMLElement>("button")?.focus();
    } else if (unsent === 0 && element.open) element.close();
  }, [unsent]);
  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void unsentOf(session.staffId)
            .catch(() => [])
            .then((pending) => (pending.length > 0 ? setUnsent(pending.length) : leave()));
        }}
      >
        <button type="submit" className="button secondary">
          {t("session.logOut")}
        </button>
      </form>
      <dialog ref={dialog} aria-labelledby={titleId} className="logout-dialog" onClose={() => setUnsent(0)}>
        <h2 id={titleId}>{t("session.unsentTitle")}</h2>
        <p>{t("session.unsentBody", { count: unsent })}</p>
        <div className="logout-actions">
          <button
            type="button"
            className="button"
            onClick={() => {
              setUnsent(0);
              // Staying is for sending them: try now rather than at the end of a backoff.
              void kick(true);
            }}
          >
            {t("session.stay")}
          </button>
          <button type="button" className="button secondary" onClick={() => void leave()}>
            {t("session.discardAndLogOut")}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** The shell around every page: skip link, header, navigation and the main landmark. */
export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const items = useNavigation();
  // Drafts typed in a session that is over (a closed tab, a device that slept through the expiry).
  useEffect(() => {
    void forgetDraftsOfEndedSessions(indexedDbDrafts(), session.startedAt).catch(() => undefined);
  }, [session.startedAt]);
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        {t("nav.skipToContent")}
      </a>
      <header className="top-bar">
        <span className="brand">{t("app.name")}</span>
        <span className="who">
          <bdi>{session.displayName}</bdi> · <bdi>{session.organisationId}</bdi>
        </span>
        <LanguageSwitch />
        <NotificationsLink />
        <LogOut />
      </header>
      <nav aria-label={t("nav.label")} className="side-nav">
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <Link to={item.to} activeProps={{ "aria-current": "page", className: "active" }}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <OfflineStatus />
        <IdleWarning seconds={session.idleTimeoutSeconds} />
        <Outlet />
      </main>
    </div>
  );
}
