import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { useTranslation } from "react-i18next";
import { sharesActivity, trackActivity } from "./api/activity.js";
import { loginUrl, logout, onSessionEnded, type ProblemError } from "./api/client.js";
import { SessionEnding, SessionEndingContext, useSessionEnd } from "./api/expiry.js";
import { SESSION_KEY, SessionProvider, useSessionQuery } from "./api/session.js";
import { Loading } from "./components/Page.js";
import { ProblemMessage } from "./components/Problem.js";
import { SessionEnded } from "./components/SessionEnded.js";
import { setupI18n } from "./i18n/index.js";
import { forgetOnExpiry } from "./offline/leaving.js";
import { setOutboxOwner, startOutbox, unsentOf } from "./offline/outbox.js";
import { indexedDbDrafts } from "./offline/store.js";
import { router } from "./router.js";
import "./styles.css";

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A refused or missing resource is an answer, not a blip: retry only when the network failed.
      retry: (failures, error) => failures < 2 && (error as ProblemError).status === 0,
      refetchOnWindowFocus: false,
    },
  },
});

const ending = new SessionEnding({
  queries,
  sessionKey: SESSION_KEY,
  forget: (staffId) => forgetOnExpiry(indexedDbDrafts(), staffId),
  async stopOutbox(staffId) {
    setOutboxOwner(undefined);
    return (await unsentOf(staffId)).length;
  },
  // Only when every tab's input reaches this one: else another tab may be in use.
  endAtBackend: () => (sharesActivity() ? logout() : Promise.resolve()),
});

let loginStarted = false;
/**
 * Once per page: a second login started before the first returns would replace the login state
 * the first callback is checked against (React renders twice in development).
 */
function goToLogin(): void {
  if (loginStarted) return;
  loginStarted = true;
  window.location.replace(loginUrl());
}

/** Nothing renders until the backend says who is logged in; without a session, to the login. */
function Authenticated() {
  const { t } = useTranslation();
  const end = useSessionEnd(ending);
  const session = useSessionQuery(end === undefined);
  if (end) return <SessionEnded end={end} />;
  if (session.isPending) return <Loading />;
  if (session.error) {
    const problem = session.error as ProblemError;
    if (problem.status === 401) {
      goToLogin();
      return <Loading />;
    }
    return (
      <main id="main">
        <h1>{t("app.name")}</h1>
        <ProblemMessage error={problem} />
      </main>
    );
  }
  return (
    <SessionProvider session={session.data}>
      <RouterProvider router={router} />
    </SessionProvider>
  );
}

onSessionEnded(() => {
  // A session this tab was showing ended: clear the screen. Without one yet, on to the login.
  if (ending.hasSession()) void ending.end("expired");
  else void queries.invalidateQueries({ queryKey: SESSION_KEY });
});

await setupI18n();
trackActivity(window);
startOutbox();
const root = document.getElementById("root");
if (!root) throw new Error("no #root");
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <SessionEndingContext.Provider value={ending}>
        <Authenticated />
      </SessionEndingContext.Provider>
    </QueryClientProvider>
  </StrictMode>,
);
