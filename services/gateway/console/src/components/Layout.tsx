import { Link, Outlet } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { loginUrl, logout } from "../api/client.js";
import { useRpcQuery } from "../api/hooks.js";
import { useCapabilities, useSession } from "../api/session.js";
import { OfflineStatus } from "../offline/OfflineStatus.js";
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
    { refetchInterval: 60_000 },
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

/** Warns a minute before the idle timeout ends the session; any API call resets the backend's timer. */
function IdleWarning({ seconds }: { seconds: number }) {
  const { t } = useTranslation();
  const [lastActivity, setLastActivity] = useState(Date.now());
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const reset = () => setLastActivity(Date.now());
    const events = ["keydown", "pointerdown"] as const;
    for (const event of events) window.addEventListener(event, reset, { passive: true });
    const timer = setInterval(() => setNow(Date.now()), 5_000);
    return () => {
      for (const event of events) window.removeEventListener(event, reset);
      clearInterval(timer);
    };
  }, []);
  const remaining = seconds - (now - lastActivity) / 1000;
  if (remaining > 60) return null;
  return (
    <div role="alert" className="idle-warning">
      {remaining > 0 ? t("session.idleSoon") : t("session.idleEnded")}{" "}
      <a href={loginUrl()}>{t("session.logInAgain")}</a>
    </div>
  );
}

/** The shell around every page: skip link, header, navigation and the main landmark. */
export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const items = useNavigation();
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
        <form
          onSubmit={(event) => {
            event.preventDefault();
            // An unfinished wizard holds a person's data: logging out on a shared device discards
            // it. Submitted referrals still waiting to be sent stay, and go at the next login.
            void indexedDbDrafts()
              .delete(session.staffId)
              .catch(() => undefined)
              .then(logout)
              .finally(() => {
                window.location.assign("/console/");
              });
          }}
        >
          <button type="submit" className="button secondary">
            {t("session.logOut")}
          </button>
        </form>
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
