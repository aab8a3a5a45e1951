import type { z } from "zod";

export type Env = Readonly<Record<string, string | undefined>>;

/** Any object schema whose fields read environment strings. */
export type EnvSchema = z.ZodObject;

export interface ConfigIssue {
  /** The environment variable, e.g. `GRPC_PORT`. */
  variable: string;
  /** What is wrong, with the received value unless the variable holds a secret. */
  message: string;
}

/** Thrown by `loadConfig` with every problem at once, so one restart fixes them all. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: ErrorOptions) {
    const count = issues.length === 1 ? "1 variable is" : `${issues.length} variables are`;
    const lines = issues.map((issue) => `  ${issue.variable}: ${issue.message}`);
    super(`Invalid configuration: ${count} missing or invalid\n${lines.join("\n")}`, options);
    this.issues = issues;
  }
}

const SECRET_NAME = /PASSWORD|PASSPHRASE|SECRET|TOKEN|KEY|CREDENTIAL/i;

/** Variables whose values must never appear in a message or a log. */
export function isSecretName(variable: string): boolean {
  return SECRET_NAME.test(variable);
}

// A DATABASE_URL carries a password without saying so in its name.
const URL_CREDENTIALS = /(\/\/[^/:@\s]*:)[^@/\s]*@/g;

function describeReceived(variable: string, raw: string): string {
  if (isSecretName(variable)) return "(value hidden: secret)";
  return `got ${JSON.stringify(raw.replace(URL_CREDENTIALS, "$1***@"))}`;
}

/**
 * Blank values count as unset, so `FOO=` in an env file falls back to the default (or is
 * reported as required) instead of failing as a malformed value.
 */
export function presentValue(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === "" ? undefined : raw;
}

export function collectIssues(error: z.ZodError, input: Env): ConfigIssue[] {
  return error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? "(root)");
    const raw = input[variable];
    if (raw === undefined) return { variable, message: "required" };
    return { variable, message: `${issue.message}, ${describeReceived(variable, raw)}` };
  });
}

/**
 * Reads exactly the schema's variables from `env` and validates them together. Returns the
 * typed config, or throws `ConfigError` naming every missing or malformed variable.
 */
export function loadConfig<S extends EnvSchema>(schema: S, env: Env = process.env): z.output<S> {
  const input: Record<string, string | undefined> = {};
  for (const variable of Object.keys(schema.shape)) {
    input[variable] = presentValue(env[variable]);
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(collectIssues(result.error, input), { cause: result.error });
}

export interface ExitIo {
  stderr?: { write(text: string): unknown };
  exit?: (code: number) => never;
}

/** sysexits.h EX_CONFIG: supervisors can tell "fix the config" from "the service crashed". */
export const EX_CONFIG = 78;

/**
 * For `main.ts`: runs `fn` (sync or async); a `ConfigError` is printed to stderr without a
 * stack trace and the process exits with 78. Other errors pass through unchanged.
 */
export function exitOnConfigError<T>(fn: () => T, io: ExitIo = {}): T {
  const report = (error: unknown): never => {
    if (!(error instanceof ConfigError)) throw error;
    (io.stderr ?? process.stderr).write(`${error.message}\n`);
    return (io.exit ?? process.exit)(EX_CONFIG);
  };
  try {
    const result = fn();
    if (result instanceof Promise) return result.catch(report) as T;
    return result;
  } catch (error) {
    return report(error);
  }
}
