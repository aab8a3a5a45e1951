/**
 * Directory ids: short lowercase slugs, because organisation ids are NATS subject tokens
 * (`kopru.v1.referral.requested.<org>`). Offering ids follow the same rule; a lowercase UUID is
 * one. The pattern is the one `validate().organisationId` enforces.
 */
export const DIRECTORY_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function isDirectoryId(value: string): boolean {
  return DIRECTORY_ID.test(value);
}

// Letters NFKD does not decompose into an ASCII base (dotless ı, ğ is decomposed but kept for clarity).
const TRANSLITERATION: Readonly<Record<string, string>> = {
  ı: "i",
  İ: "i",
  ş: "s",
  Ş: "s",
  ğ: "g",
  Ğ: "g",
  ç: "c",
  Ç: "c",
  ö: "o",
  Ö: "o",
  ü: "u",
  Ü: "u",
  ß: "ss",
  æ: "ae",
  ø: "o",
  đ: "d",
};

/** Longest slug derived from a name, leaving room for a `-<n>` suffix that makes it unique. */
const MAX_DERIVED_LENGTH = 56;

/**
 * A slug for an organisation id derived from its name: "Gaziantep Büyükşehir MMCC" →
 * "gaziantep-buyuksehir-mmcc". Returns "" when the name holds too few usable characters.
 */
export function slugFromName(name: string): string {
  const ascii = [...name]
    .map((ch) => TRANSLITERATION[ch] ?? ch)
    .join("")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const slug = ascii
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_DERIVED_LENGTH)
    .replace(/-+$/g, "");
  return isDirectoryId(slug) ? slug : "";
}

/** Candidates for a new id, in order: the slug, then `slug-2`, `slug-3`, … */
export function slugCandidates(slug: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? slug : `${slug}-${i + 1}`));
}
