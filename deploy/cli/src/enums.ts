/**
 * Command-line names for the generated proto enums, derived generically: `SERVICE_TYPE_MMCC_COUNSELLING`
 * is `mmcc_counselling` (the enum's `_UNSPECIFIED` prefix stripped, lower case). Hyphens work as
 * underscores, full proto names are accepted too, and so is a prefix that names exactly one value
 * (`verbal` for `verbal_recorded`). Nothing is listed by hand, so a value added to a proto is usable
 * here at once.
 */

/** A ts-proto enum object: name → number plus the reverse number → name mapping. */
export type ProtoEnum = Record<string, string | number>;

/** A value the user gave that is not a value of the enum; the message lists the valid ones. */
export class InvalidChoiceError extends Error {
  override readonly name = "InvalidChoiceError";
  constructor(
    readonly what: string,
    readonly input: string,
    readonly choices: readonly string[],
    readonly ambiguous: readonly string[] = [],
  ) {
    super(
      ambiguous.length > 0
        ? `${what} "${input}" is ambiguous (${ambiguous.join(", ")}); valid values: ${choices.join(", ")}`
        : `${what} "${input}" is not valid; valid values: ${choices.join(", ")}`,
    );
  }
}

function memberNames(enumObject: ProtoEnum): string[] {
  return Object.keys(enumObject).filter((key) => Number.isNaN(Number(key)) && key !== "UNRECOGNIZED");
}

/** The common prefix of an enum's members, e.g. `SERVICE_TYPE_`. */
export function enumPrefix(enumObject: ProtoEnum): string {
  const names = memberNames(enumObject);
  const unspecified = names.find((name) => name.endsWith("_UNSPECIFIED"));
  if (unspecified) return unspecified.slice(0, -"UNSPECIFIED".length);
  let prefix = names[0] ?? "";
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf("_") + 1);
}

/** Every settable value (not UNSPECIFIED) with its command-line name, in enum order. */
export function enumChoices(enumObject: ProtoEnum): { name: string; value: number }[] {
  const prefix = enumPrefix(enumObject);
  return memberNames(enumObject)
    .map((full) => ({ name: full.slice(prefix.length).toLowerCase(), value: enumObject[full] as number }))
    .filter((choice) => choice.value > 0)
    .sort((a, b) => a.value - b.value);
}

/** The command-line name of a value, e.g. `mmcc_counselling`; `-` for UNSPECIFIED. */
export function enumName(enumObject: ProtoEnum, value: number | undefined): string {
  if (value === undefined || value === 0) return "-";
  const full = enumObject[value];
  if (typeof full !== "string") return String(value);
  return full.slice(enumPrefix(enumObject).length).toLowerCase();
}

function normalise(input: string): string {
  return input.trim().toLowerCase().replaceAll("-", "_").replaceAll(" ", "_");
}

/** Parses one command-line value; throws InvalidChoiceError naming the valid values. */
export function parseEnum(enumObject: ProtoEnum, input: string, what: string): number {
  const choices = enumChoices(enumObject);
  const wanted = normalise(input);
  const prefix = enumPrefix(enumObject).toLowerCase();
  const short = wanted.startsWith(prefix) ? wanted.slice(prefix.length) : wanted;
  const exact = choices.find((choice) => choice.name === short);
  if (exact) return exact.value;
  const byPrefix = short === "" ? [] : choices.filter((choice) => choice.name.startsWith(short));
  const names = choices.map((choice) => choice.name);
  if (byPrefix.length === 1) return (byPrefix[0] as { value: number }).value;
  throw new InvalidChoiceError(
    what,
    input,
    names,
    byPrefix.map((choice) => choice.name),
  );
}

/** Splits comma-separated (and repeated) option values into trimmed, non-empty items. */
export function splitList(values: string | readonly string[] | undefined): string[] {
  if (values === undefined) return [];
  const list = typeof values === "string" ? [values] : values;
  return list
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value !== "");
}

/** Parses a comma-separated list (or repeated option) of enum values, without duplicates. */
export function parseEnumList(
  enumObject: ProtoEnum,
  values: string | readonly string[] | undefined,
  what: string,
): number[] {
  return [...new Set(splitList(values).map((value) => parseEnum(enumObject, value, what)))];
}
