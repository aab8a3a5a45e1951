import type { Command } from "commander";
import type { CliIo } from "../context.js";
import { CliUsageError } from "../errors.js";

/** A kept login as the CLI shows it. */
export interface LoginSummary {
  username: string;
  organisationId: string;
  roles: string[];
  current: boolean;
}

/** How the CLI logs in and out; the real one talks to the issuer, tests pass a fake. */
export interface Logins {
  /** With a username: the provider's login with that password; without: the device authorization grant. */
  login(options: {
    username?: string;
    password?: string;
    onPrompt(verificationUri: string, userCode: string): void;
  }): Promise<LoginSummary>;
  logout(username: string | undefined, all: boolean): string[];
  list(): LoginSummary[];
  /** Reads a password without echoing it (a terminal), or the first line of standard input. */
  readPassword(prompt: string, fromStdin: boolean): Promise<string>;
}

function describe(login: LoginSummary): string {
  const roles = login.roles.length > 0 ? login.roles.join(", ") : "no staff roles";
  return `${login.username} (${login.organisationId}; ${roles})${login.current ? "  [current]" : ""}`;
}

export function registerLoginCommands(program: Command, logins: () => Logins, io: CliIo): void {
  program
    .command("login")
    .description(
      "log in (kept for later commands): with --user, the provider's login with your password; " +
        "without, a code to enter in a browser (device authorization)",
    )
    .option("--user <username>", "your username, e.g. caseworker@mmcc-gaziantep")
    .option("--password-stdin", "read the password from standard input instead of a prompt")
    .action(async (options: { user?: string; passwordStdin?: boolean }) => {
      const service = logins();
      let password: string | undefined;
      if (options.user) {
        password =
          process.env.KOPRU_PASSWORD ||
          (await service.readPassword("Password: ", options.passwordStdin === true));
        if (!password) throw new CliUsageError("no password given");
      } else if (options.passwordStdin) {
        throw new CliUsageError("--password-stdin needs --user");
      }
      const login = await service.login({
        ...(options.user ? { username: options.user } : {}),
        ...(password ? { password } : {}),
        onPrompt: (uri, code) => io.out(`Open ${uri} and enter the code ${code} (waiting...)`),
      });
      io.out(`Logged in as ${describe({ ...login, current: false })}.`);
    });

  program
    .command("logout")
    .description("forget a login (the current one, or --user, or --all)")
    .option("--user <username>", "the login to forget")
    .option("--all", "forget every login")
    .action((options: { user?: string; all?: boolean }) => {
      const removed = logins().logout(options.user, options.all === true);
      io.out(removed.length > 0 ? `Logged out: ${removed.join(", ")}.` : "No such login.");
    });

  program
    .command("whoami")
    .description("the logins this CLI keeps, and which one acts when --as is not given")
    .action(() => {
      const kept = logins().list();
      io.out(
        kept.length > 0
          ? kept.map(describe).join("\n")
          : "Not logged in (pnpm kopru login --user <username>).",
      );
    });
}
