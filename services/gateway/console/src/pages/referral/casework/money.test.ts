import { describe, expect, it } from "vitest";
import { amountInputText, formatMoney, minorDigits, parseAmount, sumMinor } from "./money.js";

describe("parseAmount", () => {
  it("reads amounts the way each language writes them, as minor units", () => {
    expect(parseAmount("1.500,50", "TRY", "tr")).toEqual({ ok: true, amountMinor: "150050" });
    expect(parseAmount("1500,5", "TRY", "tr")).toEqual({ ok: true, amountMinor: "150050" });
    expect(parseAmount("1,500.50", "TRY", "en")).toEqual({ ok: true, amountMinor: "150050" });
    expect(parseAmount("1500", "TRY", "en")).toEqual({ ok: true, amountMinor: "150000" });
    expect(parseAmount(" 0,05 ", "TRY", "tr")).toEqual({ ok: true, amountMinor: "5" });
  });

  it("understands Arabic-Indic digits and Arabic separators", () => {
    expect(parseAmount("١٥٠٠٫٥٠", "TRY", "ar")).toEqual({ ok: true, amountMinor: "150050" });
    expect(parseAmount("١٬٥٠٠", "TRY", "ar")).toEqual({ ok: true, amountMinor: "150000" });
    expect(parseAmount("250.75", "TRY", "ar")).toEqual({ ok: true, amountMinor: "25075" });
  });

  it("refuses what it cannot read for certain instead of guessing", () => {
    // A Turkish field with an English decimal point: 1500.50 must not become 150,050 kuruş.
    expect(parseAmount("1500.50", "TRY", "tr")).toEqual({ ok: false, reason: "invalid" });
    expect(parseAmount("12,345", "TRY", "tr")).toEqual({ ok: false, reason: "tooManyDecimals" });
    expect(parseAmount("1.5.0", "TRY", "en")).toEqual({ ok: false, reason: "invalid" });
    expect(parseAmount("-5", "TRY", "en")).toEqual({ ok: false, reason: "invalid" });
    expect(parseAmount("abc", "TRY", "en")).toEqual({ ok: false, reason: "invalid" });
    expect(parseAmount("", "TRY", "en")).toEqual({ ok: false, reason: "empty" });
    expect(parseAmount("10.5", "JPY", "en")).toEqual({ ok: false, reason: "tooManyDecimals" });
  });

  it("keeps large amounts exact (no floating point)", () => {
    expect(parseAmount("123456789012345.67", "USD", "en")).toEqual({
      ok: true,
      amountMinor: "12345678901234567",
    });
  });
});

describe("formatMoney", () => {
  it("formats minor units through Intl in the user's language", () => {
    expect(minorDigits("TRY")).toBe(2);
    const tr = formatMoney({ amountMinor: "150050", currency: "TRY" }, "tr");
    expect(tr).toContain("1.500,50");
    expect(tr).toContain("₺");
    expect(formatMoney({ amountMinor: "150050", currency: "USD" }, "en")).toBe("$1,500.50");
    expect(formatMoney({ amountMinor: "5", currency: "EUR" }, "en")).toBe("€0.05");
    expect(formatMoney(undefined, "en")).toBe("—");
  });

  it("gives an editable text that reads back to the same amount", () => {
    for (const language of ["tr", "en", "ar"]) {
      const text = amountInputText("150050", "TRY", language);
      expect(parseAmount(text, "TRY", language)).toEqual({ ok: true, amountMinor: "150050" });
    }
  });

  it("sums one currency exactly", () => {
    expect(
      sumMinor(
        [
          { amountMinor: "9007199254740993", currency: "TRY" },
          { amountMinor: "10", currency: "TRY" },
          { amountMinor: "99", currency: "USD" },
          undefined,
        ],
        "TRY",
      ),
    ).toBe("9007199254741003");
  });
});
