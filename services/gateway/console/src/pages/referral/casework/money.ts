// Money in the contracts is an integer count of the currency's minor units (kuruş for TRY) with an
// ISO 4217 code, never a float. Staff type amounts the way their language writes them ("1.500,50"
// in Turkish, "1,500.50" in English, Arabic-Indic digits in Arabic); these helpers turn that text
// into minor units and back through Intl, without floating-point arithmetic on the way in.

export interface MoneyJson {
  amountMinor?: string;
  currency?: string;
}

/** The currencies staff can choose; TRY is the default for assistance in Türkiye. */
export const CURRENCIES = ["TRY", "USD", "EUR"] as const;
export const DEFAULT_CURRENCY = "TRY";

/** How many minor-unit digits the currency has (2 for TRY, 0 for JPY). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits as number;
  } catch {
    return 2;
  }
}

const ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩";
const EXTENDED_ARABIC_INDIC = "۰۱۲۳۴۵۶۷۸۹";

function westernDigits(text: string): string {
  return text.replace(/[٠-٩۰-۹]/g, (digit) => {
    const index = ARABIC_INDIC.indexOf(digit);
    return String(index >= 0 ? index : EXTENDED_ARABIC_INDIC.indexOf(digit));
  });
}

/** The decimal and grouping separators the language writes numbers with. */
export function separators(language: string): { decimal: string; group: string } {
  const parts = new Intl.NumberFormat(language, { useGrouping: true }).formatToParts(12345.6);
  return {
    decimal: parts.find((part) => part.type === "decimal")?.value ?? ".",
    group: parts.find((part) => part.type === "group")?.value ?? ",",
  };
}

export type AmountParse =
  | { ok: true; amountMinor: string }
  | { ok: false; reason: "empty" | "invalid" | "tooManyDecimals" };

/**
 * Reads an amount typed in `language` as minor units of `currency`. Grouping separators and spaces
 * are ignored; the decimal separator is the language's (Arabic's "٫" and a plain "." are also
 * understood); more decimals than the currency has is refused rather than rounded.
 */
export function parseAmount(text: string, currency: string, language: string): AmountParse {
  const value = westernDigits(text.trim()).replace(/[\s\u00a0\u202f\u200e\u200f\u061c]/g, "");
  if (value === "") return { ok: false, reason: "empty" };
  const { decimal, group } = separators(language);
  // Arabic's own separators, and the Latin ones where the language writes neither, are understood too.
  const latinToo = decimal !== "." && decimal !== ",";
  const canonical = [...value]
    .map((char) =>
      char === decimal || char === "\u066b" || (latinToo && char === ".")
        ? "D"
        : char === group || char === "\u066c" || (latinToo && char === ",")
          ? "G"
          : char,
    )
    .join("");
  // Grouping must be real grouping (threes), so "1500.50" typed in Turkish is refused, not read as 150050.
  const match = /^(\d{1,3}(?:G\d{3})+|\d+)(?:D(\d*))?$/.exec(canonical);
  if (!match) return { ok: false, reason: "invalid" };
  const whole = (match[1] ?? "0").replaceAll("G", "");
  const fraction = match[2] ?? "";
  const digits = minorDigits(currency);
  if (fraction.length > digits) return { ok: false, reason: "tooManyDecimals" };
  const minor = `${whole}${fraction.padEnd(digits, "0")}`.replace(/^0+(?=\d)/, "");
  return { ok: true, amountMinor: minor };
}

/** Minor units as a plain decimal for an editable field, in the language's own separators. */
export function amountInputText(amountMinor: string, currency: string, language: string): string {
  const digits = minorDigits(currency);
  const padded = amountMinor.replace(/^-/, "").padStart(digits + 1, "0");
  const whole = padded.slice(0, padded.length - digits);
  const fraction = padded.slice(padded.length - digits);
  return digits === 0 ? whole : `${whole}${separators(language).decimal}${fraction}`;
}

/** "₺1.500,00" / "1,500.00 TRY" — an amount for reading, through Intl in the user's language. */
export function formatMoney(money: MoneyJson | undefined, language: string): string {
  if (!money?.currency || money.amountMinor === undefined) return "—";
  const digits = minorDigits(money.currency);
  const negative = money.amountMinor.startsWith("-");
  const padded = money.amountMinor.replace(/^-/, "").padStart(digits + 1, "0");
  // Intl accepts a decimal string exactly (no float rounding for large amounts).
  const decimalText = `${negative ? "-" : ""}${padded.slice(0, padded.length - digits)}${
    digits > 0 ? `.${padded.slice(padded.length - digits)}` : ""
  }`;
  try {
    return new Intl.NumberFormat(language, {
      style: "currency",
      currency: money.currency,
      minimumFractionDigits: digits,
    }).format(decimalText as unknown as number);
  } catch {
    return `${decimalText} ${money.currency}`;
  }
}

/** Sums amounts of one currency (minor units as strings), with BigInt so nothing is lost. */
export function sumMinor(amounts: readonly (MoneyJson | undefined)[], currency: string): string {
  let total = 0n;
  for (const amount of amounts)
    if (amount?.currency === currency && amount.amountMinor) total += BigInt(amount.amountMinor);
  return total.toString();
}

/** "1.500,50" in Turkish, "1,500.50" in English: how to type an amount, shown as a hint. */
export function amountExample(language: string): string {
  return new Intl.NumberFormat(language, { minimumFractionDigits: 2 }).format(1500.5);
}
