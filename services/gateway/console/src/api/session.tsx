import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext } from "react";
import { type Colleague, type ConsoleSession, fetchColleagues, fetchSession } from "./client.js";

const SessionContext = createContext<ConsoleSession | undefined>(undefined);

export const SESSION_KEY = ["session"] as const;

/** Who is logged in; not asked again once the session ended in this tab (`enabled` false). */
export function useSessionQuery(enabled = true) {
  return useQuery<ConsoleSession>({
    queryKey: SESSION_KEY,
    queryFn: fetchSession,
    staleTime: 60_000,
    retry: false,
    enabled,
  });
}

export function SessionProvider({ session, children }: { session: ConsoleSession; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The logged-in staff member; only inside the authenticated shell. */
export function useSession(): ConsoleSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside the authenticated shell");
  return session;
}

/** What the console offers a staff member, from their organisation's service and roles. */
export interface Capabilities {
  /** Receives referrals (an inbox at a receiving service). */
  receives: boolean;
  /** Makes referrals (an NGO at intake). */
  refers: boolean;
  coordinates: boolean;
  supervises: boolean;
  protectionRestricted: boolean;
  approvesEcm: boolean;
}

export function capabilitiesOf(session: ConsoleSession): Capabilities {
  const roles = new Set(session.roles);
  const coordinates = roles.has("coordinator") || roles.has("network-admin");
  return {
    receives: session.inboxService !== null,
    refers: session.inboxService === null && !coordinates,
    coordinates,
    supervises: roles.has("supervisor"),
    protectionRestricted: roles.has("protection-restricted"),
    approvesEcm: roles.has("ecm-approver"),
  };
}

export function useCapabilities(): Capabilities {
  return capabilitiesOf(useSession());
}

/** The active colleagues of the caller's own organisation (assignment, and names in histories). */
export function useColleagues() {
  return useQuery<Colleague[]>({ queryKey: ["colleagues"], queryFn: fetchColleagues, staleTime: 5 * 60_000 });
}

/** A staff id as a person reads it: "me", a colleague's name, or the id itself. */
export function useStaffName(): (staffId: string | undefined) => string | undefined {
  const session = useSession();
  const colleagues = useColleagues();
  return (staffId) => {
    if (!staffId) return undefined;
    if (staffId === session.staffId) return session.displayName;
    return colleagues.data?.find((colleague) => colleague.staffId === staffId)?.displayName ?? staffId;
  };
}
