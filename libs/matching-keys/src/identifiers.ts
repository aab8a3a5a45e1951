// Phone numbers and document numbers, each to the one form every partner writes the same way.

const ARABIC_INDIC_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/g;

function westernDigits(raw: string): string {
  return raw.replace(ARABIC_INDIC_DIGITS, (d) => {
    const code = d.charCodeAt(0);
    return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
  });
}

/**
 * A phone number in E.164 (`+905321234567`, `+963944123456`), from the forms partners record: with or
 * without `+`, `00` or the national trunk `0`, spaces, dashes, brackets and Arabic-Indic digits. A
 * number without a country code is Turkish when it has 10 digits starting with 5 (a Turkish mobile),
 * or 11 starting with 05, and Syrian when it has 9 digits starting with 9 or 10 starting with 09
 * (the network works in Türkiye, with Syrian SIMs kept). Undefined when it cannot be told.
 */
export function canonicalPhone(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const text = westernDigits(raw).trim();
  const international = text.startsWith("+") || /^\s*00/.test(text);
  let digits = text.replace(/\D/g, "");
  if (international) {
    if (digits.startsWith("00")) digits = digits.slice(2);
    // "+90 (0) 532 …": the trunk zero written after the country code.
    digits = digits.replace(/^(90|963)0/, "$1");
    return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : undefined;
  }
  if (/^0?5\d{9}$/.test(digits)) return `+90${digits.replace(/^0/, "")}`;
  if (/^0?9\d{8}$/.test(digits)) return `+963${digits.replace(/^0/, "")}`;
  if (/^(90|963)\d{9,10}$/.test(digits)) return `+${digits}`;
  return undefined;
}

/**
 * A document number with everything but letters and digits stripped, upper case, Arabic-Indic digits
 * as Western ones: "99-123 456 780" and "99123456780" are the same document. Undefined when fewer than
 * five characters are left (too short to tell people apart).
 */
export function canonicalDocumentNumber(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const stripped = westernDigits(raw)
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "");
  return stripped.length >= 5 ? stripped : undefined;
}

/** A plausible birth year (1900 to next year), or undefined. */
export function canonicalBirthYear(year: number | undefined, now: Date = new Date()): number | undefined {
  if (year === undefined || !Number.isInteger(year)) return undefined;
  return year >= 1900 && year <= now.getUTCFullYear() + 1 ? year : undefined;
}
