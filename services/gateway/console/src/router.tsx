import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Navigate,
  Outlet,
} from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { useCapabilities } from "./api/session.js";
import { Layout } from "./components/Layout.js";
import { Page } from "./components/Page.js";

// Routes carry opaque ids only (a referral's UUID): names, phone numbers and search text never
// reach the address bar, and so never the browser's history. Each page is its own chunk, loaded
// when first opened.

function Home() {
  const can = useCapabilities();
  const to = can.receives
    ? "/inbox"
    : can.coordinates
      ? "/dashboard"
      : can.refers
        ? "/my-referrals"
        : "/directory";
  return <Navigate to={to} replace />;
}

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Page title={t("notFound.title")}>
      <p>{t("notFound.body")}</p>
    </Page>
  );
}

const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });
const shell = createRoute({ getParentRoute: () => rootRoute, id: "shell", component: Layout });

const page = (path: string, load: () => Promise<{ default: React.ComponentType }>) =>
  createRoute({ getParentRoute: () => shell, path, component: lazyRouteComponent(load) });

const routeTree = rootRoute.addChildren([
  shell.addChildren([
    createRoute({ getParentRoute: () => shell, path: "/", component: Home }),
    page("/inbox", () => import("./pages/inbox/InboxPage.js")),
    page("/referrals/$referralId", () => import("./pages/referral/ReferralPage.js")),
    page("/my-cases", () => import("./pages/my-cases/MyCasesPage.js")),
    page("/follow-ups", () => import("./pages/follow-ups/FollowUpsPage.js")),
    page("/new-referral", () => import("./pages/wizard/NewReferralPage.js")),
    page("/my-referrals", () => import("./pages/my-referrals/MyReferralsPage.js")),
    page("/my-referrals/$referralId", () => import("./pages/my-referrals/MyReferralPage.js")),
    page("/my-referrals/$referralId/disclosures", () => import("./pages/disclosures/DisclosuresPage.js")),
    page("/dashboard", () => import("./pages/dashboard/DashboardPage.js")),
    page("/overdue", () => import("./pages/overdue/OverduePage.js")),
    page("/erasure-requests", () => import("./pages/erasures/ErasureRequestsPage.js")),
    page("/directory", () => import("./pages/directory/DirectoryPage.js")),
    page("/notifications", () => import("./pages/notifications/NotificationsPage.js")),
    createRoute({ getParentRoute: () => shell, path: "$", component: NotFound }),
  ]),
]);

export const router = createRouter({ routeTree, basepath: "/console", defaultPreload: "intent" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
