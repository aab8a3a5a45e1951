import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { checkText, isFreeTextField, normaliseRequestText, textViolations } from "./text.js";

function accepted(value: string, freeText = false): string {
  const checked = checkText(value, { freeText });
  if (!checked.ok) throw new Error(`refused ${JSON.stringify(value)}: ${checked.problem}`);
  return checked.text;
}

function problem(value: string, freeText = false): string {
  const checked = checkText(value, { freeText });
  if (checked.ok) throw new Error(`accepted ${JSON.stringify(value)}`);
  return checked.problem;
}

describe("names people really have", () => {
  it.each([
    ["Arabic", "محمد عبد الله"],
    ["Arabic with vowel marks", "مُحَمَّد"],
    ["Persian with ZWNJ inside a word", "می‌خواهم"],
    ["Persian family name with ZWNJ", "خانه‌ها"],
    ["Kurdish Sorani", "شەهید ڕەزا"],
    ["Kurdish Kurmanji", "Şêrko Bêkes"],
    ["Turkish dotted and dotless i", "İsmail Işık"],
    ["Turkish ş ğ ç ö ü", "Gülşen Öğüt Çağrı"],
    ["Pashto", "ښځه"],
    ["Tigrinya", "ሰላም"],
    ["a hyphen and an apostrophe", "Jean-Marie O'Neill"],
    ["a no-break space", "Ali\u00a0Hassan"],
    ["an emoji ZWJ sequence", "👩🏽‍⚕️ health worker"],
    ["a family emoji", "👨‍👩‍👧"],
    ["a flag with a variation selector and ZWJ", "🏳️‍🌈"],
  ])("accepts %s unchanged", (_kind, name) => {
    expect(accepted(name)).toBe(name.normalize("NFC"));
    expect(accepted(name)).toBe(name);
  });

  it("normalises decomposed input to NFC, so the same name is stored one way", () => {
    const decomposed = "S\u0327e\u0302rko Gu\u0308ls\u0327en I\u0307smail";
    expect(decomposed).not.toBe(decomposed.normalize("NFC"));
    expect(accepted(decomposed)).toBe("Şêrko Gülşen İsmail");
  });

  it("keeps Arabic presentation forms as they are: NFC, not the compatibility folding of NFKC", () => {
    expect(accepted("ﷺ")).toBe("ﷺ");
  });
});

describe("refused characters", () => {
  it.each([
    ["NUL", "Ay\u0000şe", "control character (U+0000)"],
    ["BEL", "Ay\u0007şe", "control character (U+0007)"],
    ["ESC (terminal escapes)", "\u001b[31mAli", "control character (U+001B)"],
    ["DEL", "Ali\u007f", "control character (U+007F)"],
    ["C1 next line", "Ali\u0085", "control character (U+0085)"],
    ["C1 CSI", "Ali\u009b", "control character (U+009B)"],
    ["carriage return", "Ali\rVeli", "control character (U+000D)"],
    ["right-to-left override", "Ali\u202eilA", "bidirectional override or isolate control (U+202E)"],
    ["left-to-right embedding", "\u202aAli", "bidirectional override or isolate control (U+202A)"],
    ["pop directional formatting", "Ali\u202c", "bidirectional override or isolate control (U+202C)"],
    ["right-to-left isolate", "\u2067علي\u2069", "bidirectional override or isolate control (U+2067)"],
    ["pop directional isolate", "علي\u2069", "bidirectional override or isolate control (U+2069)"],
    ["left-to-right mark", "Ali\u200e", "invisible bidirectional mark (U+200E)"],
    ["right-to-left mark", "\u200fعلي", "invisible bidirectional mark (U+200F)"],
    ["Arabic letter mark", "علي\u061c", "invisible bidirectional mark (U+061C)"],
    ["zero-width space", "Al\u200bi", "invisible or zero-width character (U+200B)"],
    ["zero-width no-break space (BOM)", "\ufeffAli", "invisible or zero-width character (U+FEFF)"],
    ["word joiner", "Al\u2060i", "invisible or zero-width character (U+2060)"],
    ["soft hyphen", "Al\u00adi", "invisible or zero-width character (U+00AD)"],
    ["Hangul filler (a blank that is a letter)", "\u3164", "invisible or zero-width character (U+3164)"],
    ["tag characters (invisible smuggled text)", "Ali\u{e0041}\u{e0042}", "(U+E0041)"],
    ["line separator", "Ali\u2028Veli", "line or paragraph separator (U+2028)"],
    ["paragraph separator", "Ali\u2029", "line or paragraph separator (U+2029)"],
    ["private use", "Ali\ue000", "private-use character (U+E000)"],
    ["noncharacter U+FFFF", "Ali\uffff", "noncharacter (U+FFFF)"],
    ["noncharacter U+FDD0", "Ali\ufdd0", "noncharacter (U+FDD0)"],
    ["noncharacter U+10FFFF", "Ali\u{10ffff}", "noncharacter (U+10FFFF)"],
    ["replacement character", "Ali\ufffd", "U+FFFD"],
    ["lone high surrogate", "Ali\ud800", "lone surrogate (U+D800)"],
    ["lone low surrogate", "\udc00Ali", "lone surrogate (U+DC00)"],
  ])("refuses %s", (_kind, value, expected) => {
    expect(problem(value)).toContain(expected);
  });

  it.each([
    ["at the start", "\u200cخانه"],
    ["at the end", "خانه\u200c"],
    ["doubled", "خانه\u200c\u200cها"],
    ["ZWJ then ZWNJ", "خانه\u200d\u200cها"],
    ["next to a space", "خانه \u200cها"],
    ["alone", "\u200d"],
  ])("refuses a zero-width joiner or non-joiner %s", (_where, value) => {
    expect(problem(value)).toContain("outside a word");
  });

  it("refuses a variation selector with nothing to apply to", () => {
    expect(problem("\ufe0fAli")).toContain("variation selector (U+FE0F)");
    expect(problem("Ali \ufe0f")).toContain("variation selector (U+FE0F)");
  });

  it("names the code point and never echoes the character", () => {
    const description = problem("Ali\u202eilA");
    expect(description).not.toContain("\u202e");
    expect(description).not.toContain("Ali");
  });
});

describe("free text", () => {
  it.each([
    "notes",
    "internal_note",
    "survivor_centred_notes",
    "summary",
    "needs_summary",
    "description",
    "reason_for_referral",
  ])("%s is free text", (field) => {
    expect(isFreeTextField(field)).toBe(true);
  });

  it.each(["given_name", "family_name", "safe_times", "address_line", "title", "notesy", "request_id"])(
    "%s is not free text",
    (field) => {
      expect(isFreeTextField(field)).toBe(false);
    },
  );

  it("keeps line feeds and tabs in free text and refuses them elsewhere", () => {
    expect(accepted("First visit.\n\tSecond line.", true)).toBe("First visit.\n\tSecond line.");
    expect(problem("Ali\nVeli")).toContain("line break or tab (U+000A)");
    expect(problem("Ali\tVeli")).toContain("line break or tab (U+0009)");
  });

  it("turns CRLF line endings into LF and still refuses a lone carriage return", () => {
    expect(accepted("one\r\ntwo", true)).toBe("one\ntwo");
    expect(problem("one\rtwo", true)).toContain("control character (U+000D)");
  });

  it("refuses every other control character in free text too", () => {
    expect(problem("note\u0000", true)).toContain("U+0000");
    expect(problem("note\u202e", true)).toContain("U+202E");
  });
});

describe("properties", () => {
  test.prop([fc.string({ unit: "binary", maxLength: 40 }), fc.boolean()])(
    "accepted text is NFC, checks again unchanged, and holds nothing invisible or controlling",
    (value, freeText) => {
      const checked = checkText(value, { freeText });
      if (!checked.ok) return;
      expect(checked.text).toBe(checked.text.normalize("NFC"));
      expect(checkText(checked.text, { freeText })).toEqual({ ok: true, text: checked.text });
      const allowedControls = freeText ? /[\n\t]/gu : /(?!)/gu;
      expect(checked.text.replace(allowedControls, "")).not.toMatch(/\p{Cc}/u);
      expect(checked.text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\ufeff\u2060]/u);
      expect(checked.text).not.toMatch(/^[\u200c\u200d]|[\u200c\u200d]$/u);
    },
  );

  test.prop([fc.string({ unit: "grapheme", maxLength: 30 })])(
    "printable text from every script passes, in NFC",
    (value) => {
      const printable = value.replace(
        /[\p{Cc}\p{Cf}\p{Co}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\u2028\u2029\ufffd]/gu,
        "",
      );
      if (/(^|\s)\p{Variation_Selector}/u.test(printable)) return;
      expect(accepted(printable)).toBe(printable.normalize("NFC"));
    },
  );

  test.prop([
    fc.string({ maxLength: 10 }),
    fc.constantFrom("\u0000", "\u202e", "\u2066", "\u200b", "\ufeff", "\u0085", "\ud800", "\u200f"),
    fc.string({ maxLength: 10 }),
  ])("a hostile character anywhere is refused", (before, hostile, after) => {
    expect(checkText(`${before}${hostile}${after}`).ok).toBe(false);
  });
});

describe("a whole request", () => {
  it("normalises every string in place and names fields in proto spelling", () => {
    const request = {
      requestId: "0b8f2f1e-5a5b-4f7c-9a43-3c6c0f8d1e2a",
      beneficiary: { givenName: "S\u0327eyma", familyName: "Kaya" },
      organisationIds: ["ngo-a", "ngo-b"],
      needs: [{ note: "one\r\ntwo" }],
    };
    expect(textViolations(request)).toEqual([]);
    expect(request.beneficiary.givenName).toBe("Şeyma");
    expect(request.needs[0]?.note).toBe("one\ntwo");
  });

  it("names every field at fault, with array indices and nested paths", () => {
    const request = {
      beneficiary: { givenName: "Ali\u0000", familyName: "Kaya\u202e" },
      organisationIds: ["ngo-a", "ngo\u200b-b"],
      needs: [{ note: "fine\nnote" }, { note: "fine" }, { note: "bad\u2066" }],
      createdAt: new Date(0),
      payload: new Uint8Array([0, 1, 2]),
      count: 3,
    };
    expect(textViolations(request).map((v) => v.field)).toEqual([
      "beneficiary.given_name",
      "beneficiary.family_name",
      "organisation_ids[1]",
      "needs[2].note",
    ]);
  });

  it("names a oneof member by its own field, as the .proto does", () => {
    const request = {
      referralId: "r-1",
      routing: { $case: "explicitTarget", value: { organisationId: "ecm\u0000" } },
    };
    expect(textViolations(request)).toEqual([
      { field: "explicit_target.organisation_id", description: "contains a control character (U+0000)" },
    ]);
  });

  it("throws InvalidArgumentError listing the fields, so the call answers INVALID_ARGUMENT", () => {
    const request = { givenName: "\u202eAli", safeTimes: "10-12\n" };
    expect(() => normaliseRequestText(request)).toThrow(InvalidArgumentError);
    try {
      normaliseRequestText(request);
    } catch (error) {
      expect((error as InvalidArgumentError).violations.map((v) => v.field)).toEqual([
        "given_name",
        "safe_times",
      ]);
    }
  });

  it("returns a clean request as it is", () => {
    const request = { givenName: "Ali", needs: [] };
    expect(normaliseRequestText(request)).toBe(request);
  });
});
