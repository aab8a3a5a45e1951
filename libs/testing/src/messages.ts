// Pure text builders for the "something is missing" failures. Kept apart from the probing code so
// the wording (which names the missing piece and the command that fixes it) is unit-tested.

export const POSTGRES_INSTALL = "apt-get install -y postgresql";
export const POSTGRES_START = "pg_ctlcluster --skip-systemctl-redirect 15 main start";
export const NATS_INSTALL = "apt-get install -y nats-server";
export type PostgresProblem =
  /** Nothing listens on the local address. */
  | { kind: "not-answering"; address: string }
  /** Something listens but none of the tried roles could connect with CREATEDB rights. */
  | { kind: "rejected"; address: string; users: readonly string[]; detail: string }
  /** DATABASE_URL is set but unusable; it is explicit configuration, so we do not fall through. */
  | { kind: "env-unusable"; url: string; detail: string };

export function postgresUnavailableMessage(problem: PostgresProblem): string {
  const fix = `Install it with \`${POSTGRES_INSTALL}\` and start it with \`${POSTGRES_START}\`, or set DATABASE_URL.`;
  switch (problem.kind) {
    case "not-answering":
      return `PostgreSQL does not answer at ${problem.address} and DATABASE_URL is not set. ${fix}`;
    case "rejected":
      return (
        `PostgreSQL at ${problem.address} answers but refused the roles ${problem.users.join(", ")} ` +
        `(trust auth and CREATEDB are needed): ${problem.detail}. ` +
        "Allow trust auth for 127.0.0.1 in pg_hba.conf, or set DATABASE_URL to a role that may create databases."
      );
    case "env-unusable":
      return (
        `PostgreSQL at DATABASE_URL=${redactUrl(problem.url)} is not usable: ${problem.detail}. ` +
        "Fix or unset DATABASE_URL (unset, a local PostgreSQL at 127.0.0.1:5432 is used)."
      );
  }
}

export type NatsProblem =
  /** NATS_URL is not set, no nats-server binary to start one, and no container engine. */
  | { kind: "no-server"; searched: readonly string[] }
  /** NATS_URL is set but unusable; explicit configuration, so we do not fall through. */
  | { kind: "env-unusable"; url: string; detail: string };

export function natsUnavailableMessage(problem: NatsProblem): string {
  switch (problem.kind) {
    case "no-server":
      return (
        `Tests start a nats-server of their own, but no nats-server binary was found (searched ${problem.searched.join(", ")}), ` +
        `no container engine answers, and NATS_URL is not set. Install it with \`${NATS_INSTALL}\`, ` +
        "or set NATS_URL to a NATS with JetStream that only tests use (never a demo's: tests write to the network's streams)."
      );
    case "env-unusable":
      return (
        `NATS at NATS_URL=${redactUrl(problem.url)} is not usable: ${problem.detail}. ` +
        "It must answer and have JetStream enabled (`-js`). Fix or unset NATS_URL (unset, tests start their own nats-server)."
      );
  }
}

/** Hides a password before a URL goes into an error message or a log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** One line for an error, including Node's `code` and every reason of an AggregateError. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeError).join("; ");
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
