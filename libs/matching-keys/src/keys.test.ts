import { describe, expect, it } from "vitest";
import {
  blockingKeys,
  canonicalDocumentNumber,
  canonicalPhone,
  keyedHashes,
  matchStrength,
  nameSkeletons,
  type PersonIdentifiers,
} from "./index.js";

const SECRET = new Uint8Array(32).fill(42);
const OTHER_SECRET = new Uint8Array(32).fill(43);
const NOW = new Date("2026-12-07T00:00:00Z");

/** The kinds of key two spellings of a person have in common. */
function common(a: PersonIdentifiers, b: PersonIdentifiers, secret = SECRET) {
  const theirs = new Map(keyedHashes(b, secret, NOW).map((h) => [h.hash, h.kind]));
  return [...new Set(keyedHashes(a, secret, NOW).flatMap((h) => (theirs.has(h.hash) ? [h.kind] : [])))];
}

describe("name skeletons", () => {
  it.each([
    [["Mehmet", "Muhammad", "Mohamed", "Mohammed", "محمد", "Mhd"]],
    [["Ahmet", "Ahmad", "Ahmed", "أحمد"]],
    [["Halit", "Khalid", "Khaled", "خالد"]],
    [["Hüseyin", "Hussein", "Husayn", "حسين"]],
    [["Abdurrahman", "Abdul Rahman", "Abd al-Rahman", "عبد الرحمن", "عبدالرحمن"]],
    [["Ayşe", "Aisha", "AYSHA", "عائشة"]],
    [["Zeynep", "Zainab", "زينب"]],
    [["Çelik", "Celik", "تشيليك"]],
    [["Al-Hassan", "el Hassan", "الحسن", "Hasan"]],
    [["İbrahim", "Ibrahim", "إبراهيم", "IBRAHIM"]],
  ])("bring the spellings of one name together: %j", (spellings) => {
    const skeletons = spellings.map((s) => nameSkeletons(s).join(" "));
    expect(new Set(skeletons).size, skeletons.join(" / ")).toBe(1);
  });

  it("keeps different names apart", () => {
    expect(nameSkeletons("Fatma")).not.toEqual(nameSkeletons("Zeynep"));
    expect(nameSkeletons("Khalid")).not.toEqual(nameSkeletons("Walid"));
  });

  it("does not depend on which name is given and which is family, nor on their order", () => {
    expect(nameSkeletons("Ahmad", "Al-Hassan")).toEqual(nameSkeletons("Hasan", "Ahmet"));
  });
});

describe("phones and documents", () => {
  it.each([
    ["0532 123 45 67", "+905321234567"],
    ["+90 (0) 532 123 45 67", "+905321234567"],
    ["0090-5321234567", "+905321234567"],
    ["5321234567", "+905321234567"],
    ["٠٥٣٢١٢٣٤٥٦٧", "+905321234567"],
    ["+963 944 123 456", "+963944123456"],
    ["0944 123 456", "+963944123456"],
    ["00963944123456", "+963944123456"],
  ])("reads %s as %s", (raw, e164) => {
    expect(canonicalPhone(raw)).toBe(e164);
  });

  it("gives up on numbers it cannot place", () => {
    expect(canonicalPhone("12345")).toBeUndefined();
    expect(canonicalPhone("")).toBeUndefined();
  });

  it("strips document numbers to letters and digits", () => {
    expect(canonicalDocumentNumber("99-123 456 780")).toBe("99123456780");
    expect(canonicalDocumentNumber("n° 12")).toBeUndefined();
  });
});

describe("keyed hashes", () => {
  const person = {
    givenName: "Mehmet",
    familyName: "Yılmaz",
    birthYear: 1990,
    phoneNumber: "0532 123 45 67",
  };

  it("meet across scripts, swapped names and phone formats", () => {
    const arabic = {
      givenName: "يلماز",
      familyName: "محمد",
      birthYear: 1990,
      phoneNumber: "+90 532 123 4567",
    };
    expect(matchStrength(common(person, arabic))).toBe("strong");
  });

  it("meet despite one typo in a long name", () => {
    const typo = { givenName: "Abdurahman", familyName: "Darwsh", birthYear: 1984 };
    const kinds = common(typo, { givenName: "Abdul Rahman", familyName: "Darwish", birthYear: 1984 });
    expect(kinds).toContain("name_variant_year");
    expect(matchStrength(kinds)).not.toBe("weak");
  });

  it("do not tell a household's shared phone as a match", () => {
    const sister = { givenName: "Fatma", familyName: "Yılmaz", birthYear: 1995, phoneNumber: "05321234567" };
    expect(matchStrength(common(person, sister))).toBe("weak");
  });

  it("count a document number alone as strong", () => {
    const a = { givenName: "X", familyName: "Y", documentNumber: "99 123 456 780" };
    const b = { givenName: "Z", familyName: "W", documentNumber: "99123456780" };
    expect(matchStrength(common(a, b))).toBe("strong");
  });

  it("differ under another secret, and hold none of the identifiers", () => {
    expect(common(person, person, SECRET).length).toBeGreaterThan(0);
    const mine = new Set(keyedHashes(person, SECRET, NOW).map((h) => h.hash));
    expect(keyedHashes(person, OTHER_SECRET, NOW).some((h) => mine.has(h.hash))).toBe(false);
    const text = JSON.stringify(keyedHashes(person, SECRET, NOW));
    for (const fragment of ["mhmt", "ylms", "532", "1990", "Mehmet"]) expect(text).not.toContain(fragment);
  });

  it("refuse a short secret", () => {
    expect(() => keyedHashes(person, new Uint8Array(16), NOW)).toThrow(RangeError);
  });

  it("have no duplicate keys", () => {
    const keys = blockingKeys(person, NOW).map((k) => `${k.kind}:${k.value}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
