import { type FieldViolation, InvalidArgumentError } from "./errors.js";

// The text rules every string of every request meets before a handler sees it (ADR 0011). Text is
// stored and shown in NFC, and nothing invisible that changes how a record reads, or makes two
// records that look the same differ, gets in: control characters (PostgreSQL refuses NUL and
// answers with an unexpected error), bidirectional overrides, isolates and marks (a caseworker's
// list could show "Ali" for a name stored backwards), zero-width and other default-ignorable
// characters, private-use characters, noncharacters and damaged text. What scripts really need
// stays: ZWNJ and ZWJ inside words (Persian, Kurdish Sorani, Arabic-script names; emoji
// sequences), variation selectors after a character (emoji presentation), every letter and mark.

/** Free-text fields (their proto name ends so) may hold line feeds and tabs; nothing else may. */
const FREE_TEXT_FIELD = /(?:^|_)(?:notes?|summary|description)$|^reason_for_referral$/;

export function isFreeTextField(protoFieldName: string): boolean {
  return FREE_TEXT_FIELD.test(protoFieldName);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /^\p{Cc}$/u;
const PRIVATE_USE = /^\p{Co}$/u;
const INVISIBLE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;
const VARIATION_SELECTOR = /^\p{Variation_Selector}$/u;
const WHITE_SPACE = /^\p{White_Space}$/u;

const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const LINE_FEED = 0x0a;
const TAB = 0x09;
const REPLACEMENT_CHARACTER = 0xfffd;

function isNoncharacter(codePoint: number): boolean {
  return (codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe;
}

function isBidiControl(codePoint: number): boolean {
  return (codePoint >= 0x202a && codePoint <= 0x202e) || (codePoint >= 0x2066 && codePoint <= 0x2069);
}

function isBidiMark(codePoint: number): boolean {
  return codePoint === 0x200e || codePoint === 0x200f || codePoint === 0x061c;
}

function isJoiner(codePoint: number): boolean {
  return codePoint === ZWJ || codePoint === ZWNJ;
}

/** A joiner only means something between two visible characters of one word. */
function joinsWordParts(previous: string | undefined, next: string | undefined): boolean {
  const part = (c: string | undefined) =>
    c !== undefined && !WHITE_SPACE.test(c) && !isJoiner(c.codePointAt(0) ?? 0);
  return part(previous) && part(next);
}

function hex(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Why one character may not stand where it stands, or undefined when it may. The description names
 * the code point, never echoes the character: error messages reach logs and other screens.
 */
function characterProblem(
  character: string,
  previous: string | undefined,
  next: string | undefined,
  freeText: boolean,
): string | undefined {
  const codePoint = character.codePointAt(0) ?? 0;
  const at = hex(codePoint);
  if (codePoint === LINE_FEED || codePoint === TAB) {
    return freeText ? undefined : `contains a line break or tab (${at}); only free-text notes may`;
  }
  if (CONTROL.test(character)) return `contains a control character (${at})`;
  if (codePoint === REPLACEMENT_CHARACTER) {
    return `contains ${at}, the mark of text damaged before it arrived (invalid UTF-8 or a lone surrogate)`;
  }
  if (isNoncharacter(codePoint)) return `contains a noncharacter (${at})`;
  if (isBidiControl(codePoint)) return `contains a bidirectional override or isolate control (${at})`;
  if (isBidiMark(codePoint)) return `contains an invisible bidirectional mark (${at})`;
  if (isJoiner(codePoint)) {
    return joinsWordParts(previous, next)
      ? undefined
      : `contains a zero-width joiner or non-joiner (${at}) outside a word`;
  }
  if (VARIATION_SELECTOR.test(character)) {
    const base = previous?.codePointAt(0);
    return previous !== undefined && !WHITE_SPACE.test(previous) && base !== undefined && !isJoiner(base)
      ? undefined
      : `contains a variation selector (${at}) with no character to apply to`;
  }
  if (codePoint === 0x2028 || codePoint === 0x2029) {
    return `contains a line or paragraph separator (${at})`;
  }
  if (PRIVATE_USE.test(character)) return `contains a private-use character (${at})`;
  if (INVISIBLE.test(character)) return `contains an invisible or zero-width character (${at})`;
  return undefined;
}

export type TextCheck = { ok: true; text: string } | { ok: false; problem: string };

/**
 * Normalises one value to NFC (line endings to LF in free text) and checks it against the rules
 * above. Returns the text to store, or the first problem found.
 */
export function checkText(value: string, options: { freeText?: boolean } = {}): TextCheck {
  // Ids, codes and most names: printable ASCII is already NFC and holds nothing refused.
  if (PRINTABLE_ASCII.test(value)) return { ok: true, text: value };
  const freeText = options.freeText ?? false;
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate) {
    return { ok: false, problem: `contains a lone surrogate (${hex(surrogate[0].charCodeAt(0))})` };
  }
  const text = (freeText ? value.replace(/\r\n/g, "\n") : value).normalize("NFC");
  const characters = Array.from(text);
  for (const [i, character] of characters.entries()) {
    const problem = characterProblem(character, characters[i - 1], characters[i + 1], freeText);
    if (problem) return { ok: false, problem };
  }
  return { ok: true, text };
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function isMessage(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array) &&
    !Array.isArray(value)
  );
}

/** A ts-proto oneof (`oneof=unions-value`): `{ $case: "explicitTarget", value: … }`. */
function isOneofCase(value: Record<string, unknown>): value is { $case: string; value: unknown } {
  return typeof value.$case === "string" && "value" in value;
}

function joinPath(parent: string, field: string): string {
  return parent ? `${parent}.${field}` : field;
}

/**
 * Walks a decoded request (ts-proto object), normalises every string in place and collects a
 * violation for each string that breaks the rules, named by its proto path as a partner's contract
 * spells it (`beneficiary.given_name`, `needs[2].note`, `organisation_ids[0]`). A oneof member is
 * named by its own field, as in the .proto (`explicit_target.organisation_id`).
 */
export function textViolations(request: unknown): FieldViolation[] {
  const violations: FieldViolation[] = [];

  const visit = (value: unknown, path: string, fieldName: string, replace: (text: string) => void) => {
    if (typeof value === "string") {
      const checked = checkText(value, { freeText: isFreeTextField(fieldName) });
      if (checked.ok) {
        if (checked.text !== value) replace(checked.text);
      } else {
        violations.push({ field: path, description: checked.problem });
      }
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        visit(item, `${path}[${i}]`, fieldName, (text) => {
          value[i] = text;
        });
      });
      return;
    }
    if (!isMessage(value)) return;
    if (isOneofCase(value)) {
      const member = snakeCase(value.$case);
      const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
      visit(value.value, joinPath(parent, member), member, (text) => {
        value.value = text;
      });
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const name = snakeCase(key);
      visit(child, joinPath(path, name), name, (text) => {
        value[key] = text;
      });
    }
  };

  visit(request, "", "", () => {});
  return violations;
}

/**
 * The edge check the gRPC adapter runs on every request: normalises its text in place, or throws
 * InvalidArgumentError naming every field at fault, before any handler or database sees it.
 */
export function normaliseRequestText<T>(request: T): T {
  const violations = textViolations(request);
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  return request;
}
