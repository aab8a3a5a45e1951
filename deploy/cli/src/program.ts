import { Command, CommanderError } from "commander";
import { registerContactCommands } from "./commands/contact.js";
import { registerCoordinationCommands } from "./commands/coordination.js";
import { registerInboxCommands } from "./commands/inbox.js";
import { registerIntakeCommands } from "./commands/intake.js";
import { type Logins, registerLoginCommands } from "./commands/login.js";
import { registerNotificationCommands } from "./commands/notifications.js";
import type { CliIo } from "./context.js";
import { formatError } from "./errors.js";
import type { Gateway } from "./grpc.js";
import { addressVariable, RECEIVING_SERVICES, SERVICE_NAMES } from "./services.js";

const EXAMPLES = `
Examples (the demo network of \`pnpm start\`, which prints the demo logins):
  kopru login --user caseworker@mmcc-gaziantep
  kopru whoami
  kopru inbox list --as mmcc-gaziantep
  kopru inbox list --as ecm-unit --status completed --json
  kopru referral list --as ngo-hayat --status declined
  kopru referral accept <referral-id> --as mmcc-gaziantep
  kopru referral complete <referral-id> --as ecm-unit --outcome cash_transferred
  kopru referral outcome <referral-id> --as cc-gaziantep-sahinbey --outcome enrolled_in_course,course_completed
  kopru coordination figures --by organisation,service_type
  kopru coordination overdue
  kopru notifications list --unread
  kopru notifications read --all
  kopru notifications prefs --email on --digest hourly

Addresses: ${SERVICE_NAMES.map((s) => addressVariable(s)).join(", ")} (default 127.0.0.1:5005x).
Enum values take their short lowercase names (mmcc_counselling, temporary_protection, ...); a
wrong value lists the valid ones.`;

/** The whole command tree; `gateway`, `logins` and `io` are injected so tests can run it without a network. */
export function buildProgram(gateway: Gateway, io: CliIo, logins: () => Logins = noLogins): Command {
  const program = new Command("kopru")
    .description("Köprü command-line client: act for one organisation of the referral network over gRPC")
    .option(
      "--as <organisation-id | username>",
      "which of your logins acts: an organisation you are logged in for, or the username (default: the current login)",
    )
    .option(
      "--via <service>",
      `service hosting your inbox: ${RECEIVING_SERVICES.join(" | ")} (default: from --as)`,
    )
    .option("--json", "machine-readable output (proto3 JSON)")
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", EXAMPLES)
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    })
    .exitOverride();

  registerLoginCommands(program, logins, io);
  const { referral } = registerIntakeCommands(program, gateway, io);
  registerInboxCommands(program, referral, gateway, io);
  registerCoordinationCommands(program, gateway, io);
  registerContactCommands(program, gateway, io);
  registerNotificationCommands(program, gateway, io);

  // Every subcommand shares the output and exit behaviour of the root.
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    });
    command.showHelpAfterError("(run with --help for usage)");
    for (const sub of command.commands) configure(sub);
  };
  for (const sub of program.commands) configure(sub);
  return program;
}

/**
 * Runs one command line (without the `node script` prefix) and returns the exit code: 0 on success,
 * 1 when a call failed, 2 for a wrong command line. Failures are printed as one line, never a stack.
 */
export async function runCli(
  args: readonly string[],
  gateway: Gateway,
  io: CliIo,
  logins: () => Logins = noLogins,
): Promise<number> {
  const program = buildProgram(gateway, io, logins);
  try {
    if (args.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync([...args], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed its own message (or the help) already.
      return error.code === "commander.helpDisplayed" ||
        error.code === "commander.help" ||
        error.code === "commander.version"
        ? 0
        : 2;
    }
    const { message, exitCode } = formatError(error);
    io.err(message);
    return exitCode;
  } finally {
    gateway.close();
  }
}

function noLogins(): Logins {
  throw new Error("this command line was built without logins");
}
