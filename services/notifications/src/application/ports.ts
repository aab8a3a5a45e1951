import type { Logger } from "@kopru/observability";
import type { Clock } from "@kopru/service-kit";
import type { Database } from "@kopru/storage";

/** A staff member as the staff directory (the identity service) gives them. */
export interface StaffMember {
  id: string;
  organisationId: string;
  roles: readonly string[];
  email: string | null;
  active: boolean;
}

/** Who works where: asked when a notice is fanned out and when a mail is sent, never stored. */
export interface StaffDirectoryPort {
  /** The member with this id at this organisation; undefined when there is none there. */
  find(organisationId: string, actorId: string): Promise<StaffMember | undefined>;
  /** The organisation's members holding `role` (active or not). */
  withRole(organisationId: string, role: string): Promise<StaffMember[]>;
}

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Sends one email (SMTP in production); resolves once the server accepted it. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string | undefined }>;
  close(): void;
}

/** The staff member a feed belongs to, from their verified token. */
export interface Reader {
  organisationId: string;
  actorId: string;
  roles: readonly string[];
}

export interface NotificationsDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Base URL of the console, for links with ids only. */
  consoleUrl: string;
  /** Absent: nothing is emailed (no SMTP_URL, or no way to ask the staff directory). */
  email: { mailer: Mailer; directory: StaffDirectoryPort } | undefined;
  /** Wakes the timer worker (a notice's fan-out is due at once). */
  afterCommit(): void;
}
