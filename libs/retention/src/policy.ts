import { ConfigError, type ConfigIssue } from "@kopru/config";
import type { Sql } from "@kopru/storage";

export const DAY_MS = 86_400_000;

/** A JetStream stream as far as retention cares: its name and how long it keeps a message. */
export interface StreamRetention {
  readonly name: string;
  /** 0 keeps messages without an age limit. */
  readonly maxAgeMs: number;
}

/** What one organisation's destruction of one data class is asked to do. */
export interface DestructionScope {
  organisationId: string;
  /** The purpose of a record must have ended before this moment (now minus the period). */
  endedBefore: Date;
  /** The business time of the run. */
  now: Date;
}

/**
 * A kind of personal data a service holds for one purpose, with the moment that purpose ends
 * (a referral closed, a consent withdrawn or expired, a case closed). The service registers its
 * classes; the destruction run asks each for the records whose purpose ended more than the period
 * ago and destroys exactly those.
 */
export interface DataClass {
  /** Stable slug used in configuration and in the destruction log, e.g. `ended-consents`. */
  readonly name: string;
  /** Which records, and when their purpose ends. */
  readonly description: string;
  /** `erased`: rows deleted; `anonymised`: personal fields irreversibly cleared, PII-free figures kept. */
  readonly method: "erased" | "anonymised";
  readonly defaultPeriodDays: number;
  /** Why this period (shown in the ADR and the service's README). */
  readonly reason: string;
  /**
   * Streams whose messages carry this class's personal data. A stream keeping a message longer than
   * the period would outlive the record it copies, so configuration refuses a shorter period.
   */
  readonly carriedBy?: readonly StreamRetention[];
  /**
   * `service`: records the service keeps for itself rather than for one organisation (the outbox of
   * sent events); destroyed once per run, logged under the organisation `*`, and configurable only
   * for every organisation at once. `organisation` by default.
   */
  readonly scope?: "organisation" | "service";
  /** Ids of this organisation's records whose purpose ended before `endedBefore`, not yet destroyed. */
  select(sql: Sql, scope: DestructionScope): Promise<string[]>;
  /** Erases or anonymises exactly these records, inside the run's transaction. */
  destroy(tx: Sql, ids: readonly string[], scope: DestructionScope): Promise<void>;
}

/** One entry of `RETENTION_PERIODS`: `[organisation:]class=period`. */
export interface PeriodOverride {
  /** Absent: every organisation the service hosts. */
  organisationId?: string | undefined;
  dataClass: string;
  days: number;
  /** As written, for messages. */
  text: string;
}

const PERIOD = /^(\d+)\s*(d|w|y)$/;
const UNIT_DAYS = { d: 1, w: 7, y: 365 } as const;

/** `90d`, `12w`, `2y` (a year counted as 365 days) → days; undefined when malformed or not positive. */
export function parsePeriodDays(raw: string): number | undefined {
  const match = PERIOD.exec(raw.trim().toLowerCase());
  if (!match?.[1] || !match[2]) return undefined;
  const days = Number(match[1]) * UNIT_DAYS[match[2] as keyof typeof UNIT_DAYS];
  return Number.isSafeInteger(days) && days > 0 ? days : undefined;
}

const OVERRIDE = /^(?:([a-z0-9][a-z0-9-]*):)?([a-z][a-z0-9-]*)=(.+)$/;

export function parsePeriodOverride(raw: string): PeriodOverride | undefined {
  const match = OVERRIDE.exec(raw.trim());
  if (!match?.[2] || !match[3]) return undefined;
  const days = parsePeriodDays(match[3]);
  if (days === undefined) return undefined;
  return { organisationId: match[1], dataClass: match[2], days, text: raw.trim() };
}

/** The period in force for each organisation and data class, after defaults and overrides. */
/** The organisation a service-wide class is run and logged under. */
export const SERVICE_WIDE = "*";

export class RetentionPolicy {
  constructor(
    readonly classes: readonly DataClass[],
    private readonly periods: ReadonlyMap<string, ReadonlyMap<string, number>>,
    private readonly serviceWide: ReadonlyMap<string, number> = new Map(),
  ) {}

  get organisations(): string[] {
    return [...this.periods.keys()];
  }

  /** Each organisation with the classes run for it; service-wide classes once, under `*`. */
  runs(): { organisationId: string; dataClass: DataClass }[] {
    const perOrganisation = this.classes.filter((c) => c.scope !== "service");
    const serviceWide = this.classes.filter((c) => c.scope === "service");
    return [
      ...this.organisations.flatMap((organisationId) =>
        perOrganisation.map((dataClass) => ({ organisationId, dataClass })),
      ),
      ...serviceWide.map((dataClass) => ({ organisationId: SERVICE_WIDE, dataClass })),
    ];
  }

  periodDays(organisationId: string, dataClass: string): number {
    if (organisationId === SERVICE_WIDE) {
      const days = this.serviceWide.get(dataClass);
      if (days === undefined) throw new Error(`no retention period for ${dataClass}`);
      return days;
    }
    const days = this.periods.get(organisationId)?.get(dataClass);
    if (days === undefined) throw new Error(`no retention period for ${organisationId}/${dataClass}`);
    return days;
  }
}

function streamProblem(dataClass: DataClass, days: number): string | undefined {
  for (const stream of dataClass.carriedBy ?? []) {
    if (stream.maxAgeMs === 0) {
      return `the stream ${stream.name} carries "${dataClass.name}" and keeps messages without an age limit`;
    }
    if (stream.maxAgeMs > days * DAY_MS) {
      const streamDays = Math.ceil(stream.maxAgeMs / DAY_MS);
      return `${days}d is shorter than the ${streamDays}d the stream ${stream.name} keeps the "${dataClass.name}" it carries`;
    }
  }
  return undefined;
}

/**
 * Combines the classes' defaults with `RETENTION_PERIODS` for the organisations the service hosts.
 * Throws `ConfigError` naming `RETENTION_PERIODS` (and the entry) for an unknown class or
 * organisation, an entry given twice, or a period shorter than a stream that carries the class
 * keeps its messages; so a bad policy stops the service at start, never at the first run.
 */
export function resolveRetentionPolicy(options: {
  classes: readonly DataClass[];
  organisations: readonly string[];
  overrides?: readonly PeriodOverride[];
  variable?: string;
}): RetentionPolicy {
  const variable = options.variable ?? "RETENTION_PERIODS";
  const issues: ConfigIssue[] = [];
  const byName = new Map(options.classes.map((c) => [c.name, c]));
  if (byName.size !== options.classes.length) throw new Error("two data classes share a name");
  for (const dataClass of options.classes) {
    const problem = streamProblem(dataClass, dataClass.defaultPeriodDays);
    // The defaults are code: a default that breaks the rule is a programming error, not configuration.
    if (problem) throw new Error(`default retention of "${dataClass.name}": ${problem}`);
  }

  const periods = new Map<string, Map<string, number>>();
  for (const org of new Set(options.organisations)) {
    periods.set(org, new Map(options.classes.map((c) => [c.name, c.defaultPeriodDays])));
  }
  const serviceWide = new Map(
    options.classes.filter((c) => c.scope === "service").map((c) => [c.name, c.defaultPeriodDays]),
  );
  const seen = new Set<string>();
  // Organisation-wide entries first, so `org:class=…` wins over `class=…` whatever the order written.
  const ordered = [...(options.overrides ?? [])].sort(
    (a, b) => Number(a.organisationId !== undefined) - Number(b.organisationId !== undefined),
  );
  for (const entry of ordered) {
    const where = `entry "${entry.text}"`;
    const dataClass = byName.get(entry.dataClass);
    const key = `${entry.organisationId ?? "*"}:${entry.dataClass}`;
    if (seen.has(key)) {
      issues.push({ variable, message: `${where}: ${key} is given more than once` });
      continue;
    }
    seen.add(key);
    if (!dataClass) {
      const known = options.classes.map((c) => c.name).join(", ");
      issues.push({
        variable,
        message: `${where}: unknown data class "${entry.dataClass}" (known: ${known})`,
      });
      continue;
    }
    if (entry.organisationId !== undefined && dataClass.scope === "service") {
      issues.push({
        variable,
        message: `${where}: "${dataClass.name}" is kept for the whole service; give its period without an organisation`,
      });
      continue;
    }
    if (entry.organisationId !== undefined && !periods.has(entry.organisationId)) {
      const hosted = [...periods.keys()].join(", ");
      issues.push({
        variable,
        message: `${where}: organisation "${entry.organisationId}" is not hosted here (hosted: ${hosted})`,
      });
      continue;
    }
    const problem = streamProblem(dataClass, entry.days);
    if (problem) {
      issues.push({ variable, message: `${where}: ${problem}` });
      continue;
    }
    if (dataClass.scope === "service") serviceWide.set(dataClass.name, entry.days);
    for (const [org, classes] of periods) {
      if (entry.organisationId === undefined || entry.organisationId === org)
        classes.set(dataClass.name, entry.days);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return new RetentionPolicy(options.classes, periods, serviceWide);
}
