import closeWithGrace from "close-with-grace";
import { Command, InvalidArgumentError } from "commander";
import { LauncherConfigError, launcherConfig } from "./config.js";
import { Launcher } from "./launcher.js";
import { DEFAULT_REFERRAL_COUNT } from "./seed-constants.js";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1");
  return n;
}

const program = new Command("pnpm start")
  .description(
    "Runs the whole Köprü network locally: its own nats-server, the six services on embedded databases\n" +
      "under DATA_DIR (.data), and a seeded demo network. Ctrl-C stops everything; a second start keeps the data.",
  )
  .option(
    "--fresh",
    "wipe the data directory first (and, with NATS_URL, the network's streams on that server)",
  )
  .option("--no-seed", "do not seed the demo network")
  .option(
    "--from-source",
    "run the services from their TypeScript source through tsx instead of the JavaScript tsc -b built",
  )
  .option("--verbose", "relay the services' info logs (default: warnings and errors only)")
  .option("--referrals <n>", "how many demo referrals to seed", positiveInt, DEFAULT_REFERRAL_COUNT)
  .option("--concurrency <n>", "seed calls in flight", positiveInt, 8)
  .addHelpText(
    "after",
    "\nEnvironment: DATA_DIR, NATS_URL (an external NATS instead of the own nats-server),\n" +
      "KOPRU_<SERVICE>_ADDR (host:port, also read by `pnpm kopru`),\n" +
      "KOPRU_<SERVICE>_DATABASE_URL (a PostgreSQL for one service), LOG_LEVEL (with --verbose).",
  )
  .parse(process.argv);

const flags = program.opts<{
  fresh?: boolean;
  fromSource?: boolean;
  seed: boolean;
  verbose?: boolean;
  referrals: number;
  concurrency: number;
}>();

const out = (line: string) => process.stdout.write(`${line}\n`);
const tty = process.stdout.isTTY === true;

let config: ReturnType<typeof launcherConfig>;
try {
  config = launcherConfig(process.env, {
    verbose: flags.verbose,
    from: flags.fromSource === true ? "source" : "dist",
  });
} catch (error) {
  if (error instanceof LauncherConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

const aborted = new AbortController();
const launcher = new Launcher(config, {
  fresh: flags.fresh === true,
  seed: flags.seed,
  referrals: flags.referrals,
  concurrency: flags.concurrency,
  out,
  progress: tty ? (line) => process.stdout.write(`\r\x1b[2K${line}`) : undefined,
  signal: aborted.signal,
});

// A second Ctrl-C, or any other way out of this process, must not leave services behind.
process.on("exit", () => launcher.killNow());

closeWithGrace(
  {
    delay: 45_000,
    logger: { error: (message: unknown) => process.stderr.write(`${String(message)}\n`) },
    onSecondSignal: (signal) => {
      process.stderr.write(`\nSecond ${signal}: killing everything now.\n`);
      launcher.killNow();
    },
  },
  async ({ signal, err }) => {
    if (err) process.stderr.write(`\nUnexpected error: ${(err as Error).stack ?? String(err)}\n`);
    else if (signal) out(`\n${signal}: shutting down.`);
    aborted.abort();
    await launcher.stop();
  },
);

launcher.onUnexpectedExit((service, child) => {
  process.stderr.write(
    `\n${service} exited unexpectedly. Last output:\n${child
      .tail()
      .slice(-15)
      .map((l) => `  ${l}`)
      .join("\n")}\n`,
  );
  void launcher.stop().then(() => process.exit(1));
});

try {
  await launcher.start();
} catch (error) {
  if (!launcher.isStopping) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`\nerror: ${message}\n`);
    if (process.env.KOPRU_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    await launcher.stop();
    process.exit(1);
  }
}
