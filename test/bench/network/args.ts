// The command line of `pnpm bench:network`, parsed without side effects so a test can check every
// error names the option it is about.

export interface NetworkBenchOptions {
  /** Referrals per second offered, or "flat-out": as fast as `concurrency` callers go. */
  load: { kind: "rate"; perSecond: number } | { kind: "flat-out" };
  /** How much load is measured: a duration, or a number of referrals. */
  amount: { kind: "duration"; seconds: number } | { kind: "count"; referrals: number };
  /** Callers in flight flat out; the most calls allowed in flight at a rate. */
  concurrency: number;
  /** Synthetic people registered before the run (intake locks a person per referral). */
  people: number;
  /** Load run before measuring, to warm the services' code and connections. */
  warmupSeconds: number;
  /** Length of each raw-bound measurement. */
  rawSeconds: number;
  /** How long to wait after the load for every hop of every measured referral. */
  settleSeconds: number;
  /** Whether the MMCC accepts each referral it receives (the accepted → referrer hop needs it). */
  accept: boolean;
  /** Every service writes a V8 CPU profile here when it stops. */
  cpuProfileDir: string | undefined;
}

export class BenchArgumentError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
    this.name = "BenchArgumentError";
  }
}

export const USAGE = `pnpm bench:network (--rate <referrals/s> | --flat-out) [options]

  --rate <n>             offer n referrals per second (open loop)
  --flat-out             as fast as --concurrency callers go (closed loop)
  --duration <time>      measured load, e.g. 30, 30s, 2m (default 30s)
  --count <n>            measured load as a number of referrals instead of a duration
  --concurrency <n>      callers flat out; most calls in flight at a rate (default 64 / 1024)
  --people <n>           synthetic people registered first (default 256)
  --warmup <time>        load before measuring (default 3s)
  --raw <time>           length of each raw-bound measurement (default 3s)
  --settle <time>        wait for the hops of the last referrals (default 60s)
  --no-accept            the MMCC does not accept (no accepted → referrer hop)
  --cpu-prof <dir>       every service writes a V8 CPU profile into <dir> when it stops
`;

function positiveInteger(option: string, raw: string | undefined): number {
  if (raw === undefined || raw.startsWith("--")) throw new BenchArgumentError(option, "needs a value");
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value <= 0)
    throw new BenchArgumentError(option, `expected a whole number above 0, got "${raw}"`);
  return value;
}

function positiveNumber(option: string, raw: string | undefined): number {
  if (raw === undefined || raw.startsWith("--")) throw new BenchArgumentError(option, "needs a value");
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value <= 0)
    throw new BenchArgumentError(option, `expected a number above 0, got "${raw}"`);
  return value;
}

/** `30`, `30s`, `1.5m`, `500ms` → seconds. `allowZero` for a warm-up that may be skipped. */
export function parseSeconds(option: string, raw: string | undefined, allowZero = false): number {
  if (raw === undefined || raw.startsWith("--")) throw new BenchArgumentError(option, "needs a value");
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!match)
    throw new BenchArgumentError(option, `expected a time such as 30, 30s, 2m or 500ms, got "${raw}"`);
  const value = Number(match[1]);
  const seconds = match[2] === "ms" ? value / 1000 : match[2] === "m" ? value * 60 : value;
  if (seconds < 0 || (!allowZero && seconds === 0))
    throw new BenchArgumentError(option, `expected a time above 0, got "${raw}"`);
  return seconds;
}

/** Parses `process.argv.slice(2)`; `"help"` when --help was asked for. */
export function parseNetworkBenchArgs(argv: readonly string[]): NetworkBenchOptions | "help" {
  let rate: number | undefined;
  let flatOut = false;
  let duration: number | undefined;
  let count: number | undefined;
  let concurrency: number | undefined;
  const options = {
    people: 256,
    warmupSeconds: 3,
    rawSeconds: 3,
    settleSeconds: 60,
    accept: true,
    cpuProfileDir: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    // `--rate=200` and `--rate 200` both work.
    const [name, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      i += 1;
      return argv[i];
    };
    switch (name) {
      case "--help":
      case "-h":
        return "help";
      case "--rate":
        rate = positiveNumber("--rate", value());
        break;
      case "--flat-out":
        if (inline !== undefined) throw new BenchArgumentError("--flat-out", "takes no value");
        flatOut = true;
        break;
      case "--duration":
        duration = parseSeconds("--duration", value());
        break;
      case "--count":
        count = positiveInteger("--count", value());
        break;
      case "--concurrency":
        concurrency = positiveInteger("--concurrency", value());
        break;
      case "--people":
        options.people = positiveInteger("--people", value());
        break;
      case "--warmup":
        options.warmupSeconds = parseSeconds("--warmup", value(), true);
        break;
      case "--raw":
        options.rawSeconds = parseSeconds("--raw", value());
        break;
      case "--settle":
        options.settleSeconds = parseSeconds("--settle", value());
        break;
      case "--no-accept":
        if (inline !== undefined) throw new BenchArgumentError("--no-accept", "takes no value");
        options.accept = false;
        break;
      case "--cpu-prof": {
        const dir = value();
        if (dir === undefined || dir === "" || dir.startsWith("--"))
          throw new BenchArgumentError("--cpu-prof", "needs a directory");
        options.cpuProfileDir = dir;
        break;
      }
      default:
        throw new BenchArgumentError(name ?? arg, `unknown option (see --help)`);
    }
  }
  if (rate !== undefined && flatOut)
    throw new BenchArgumentError("--rate", "give either --rate or --flat-out, not both");
  if (rate === undefined && !flatOut)
    throw new BenchArgumentError("--rate", "give --rate <referrals/s> or --flat-out");
  if (duration !== undefined && count !== undefined)
    throw new BenchArgumentError("--count", "give either --duration or --count, not both");
  return {
    ...options,
    load: flatOut ? { kind: "flat-out" } : { kind: "rate", perSecond: rate as number },
    amount:
      count !== undefined
        ? { kind: "count", referrals: count }
        : { kind: "duration", seconds: duration ?? 30 },
    concurrency: concurrency ?? (flatOut ? 64 : 1024),
  };
}
