// Names to one Latin consonant skeleton, whatever script and spelling they were written in.
//
// The same person is "Muhammad" at one partner, "Mehmet" at a Turkish one and "محمد" at an
// Arabic-speaking one. Arabic script writes no short vowels, Turkish devoices final consonants
// (Ahmet/Ahmad, Halit/Khalid), and transliterations disagree on vowels and doubling
// (Hussein/Hüseyin/Husayn). So the skeleton keeps consonants only, folds consonants that the three
// traditions swap for one another into one class, drops doubling and a word-final h, and treats
// w and y inside a word as the long vowels they usually are. What is left is coarse on purpose:
// the keys built from it combine it with the other name, the birth year or a phone.

/**
 * Arabic letters straight to the consonant classes below, in upper case so that no Latin digraph
 * rule reads two of them as one (ت followed by ه is t-h, not "th"). Short-vowel marks are dropped,
 * and so are ʿayn, hamza and tāʾ marbūṭa, which Latin spellings write as a vowel or not at all.
 */
const ARABIC: Record<string, string> = {
  ا: "A",
  أ: "A",
  إ: "I",
  آ: "A",
  ٱ: "A",
  ى: "A",
  ب: "B",
  پ: "B",
  ت: "T",
  ط: "T",
  د: "T",
  ض: "T",
  ث: "S",
  ذ: "S",
  ز: "S",
  س: "S",
  ش: "S",
  ص: "S",
  ظ: "S",
  ج: "J",
  چ: "J",
  ژ: "J",
  ح: "H",
  خ: "H",
  ه: "H",
  ع: "",
  ء: "",
  ة: "",
  غ: "K",
  ق: "K",
  ك: "K",
  ک: "K",
  گ: "K",
  ف: "F",
  ر: "R",
  ل: "L",
  م: "M",
  ن: "N",
  و: "W",
  ؤ: "W",
  ي: "Y",
  ی: "Y",
  ئ: "Y",
};

/** Turkish letters a keyboard without them would type otherwise (dotless/dotted i included). */
const TURKISH: Record<string, string> = {
  ş: "sh",
  Ş: "sh",
  ç: "ch",
  Ç: "ch",
  ğ: "g",
  Ğ: "g",
  ı: "i",
  I: "i",
  İ: "i",
  ö: "o",
  Ö: "o",
  ü: "u",
  Ü: "u",
};

/**
 * Whole-word spellings that the consonant rules alone do not bring together (abbreviations, and
 * forms whose consonants differ), each to a spelling whose skeleton stands for the name.
 */
const NAME_VARIANTS: Record<string, string> = {
  mhd: "muhammad",
  mohd: "muhammad",
  mohamad: "muhammad",
  hatice: "khadija",
  hadice: "khadija",
  hadija: "khadija",
  osman: "uthman",
  usman: "uthman",
  yousef: "yusuf",
  joseph: "yusuf",
  abraham: "ibrahim",
  gamal: "jamal",
  gamila: "jamila",
  ragab: "rajab",
  zeinab: "zaynab",
};

/** Articles that are not part of anyone's name: al-, el-, and their sun-letter forms (ar-, as-, …). */
const ARTICLE = /^(?:a[lnrstdz]|e[lnrstdz]|ul|ol)$/;
/** The "ʿAbd al-" (servant of) prefix in its Latin spellings: Abdul, Abdel, Abdur, Abd al, … */
const ABD_PREFIX = /^abd(?:ul|el|al|ol|ur|ar|us|u)?$/;

/**
 * Words of a name: Latin input in lower case, Arabic letters as upper-case consonant classes,
 * Turkish letters as a keyboard without them types them, accents gone, anything else a separator.
 */
export function latinise(raw: string): string {
  // "ʿAbd al-X" (servant of X) is one name in every tradition: عبد الرحمن = Abdulrahman. Joined here
  // before the letters are replaced, and the article removed from the start of a word.
  const arabic = raw
    .replace(/عبد\s*ال/g, "عبد")
    .replace(/(^|\s)ال(?=\S{3,})/g, "$1")
    // تش writes the Turkish ç (Çelik = تشيليك), as "ch" does in Latin.
    .replace(/تش/g, "چ");
  let text = "";
  for (const char of arabic) {
    const mapped = ARABIC[char];
    if (mapped !== undefined) text += mapped;
    else text += TURKISH[char] ?? char.toLowerCase();
  }
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[ʿʾ'’`´]/g, "")
    .replace(/[^a-zA-Z]+/g, " ")
    .trim();
}

/** The words of a name, articles dropped and "abd al-" joined to the name it belongs to. */
export function nameWords(raw: string): string[] {
  const words = latinise(raw).split(" ").filter(Boolean);
  const joined: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const hasNext = i + 1 < words.length;
    // "al Hassan", "el-Khatib", "ar-Rashid".
    if (ARTICLE.test(word) && hasNext) continue;
    // "Abd al Rahman", "Abdul Rahman", "Abdel Aziz" → one word.
    if (ABD_PREFIX.test(word) && hasNext) {
      let next = i + 1;
      if (ARTICLE.test(words[next] as string) && next + 1 < words.length) next++;
      joined.push(`abd${words[next]}`);
      i = next;
      continue;
    }
    joined.push(word);
  }
  return joined;
}

/**
 * Latin spellings to the consonant classes that Turkish, Arabic and Latin spellings swap for one
 * another: b/p, t/d (Turkish final devoicing), k/q/g/gh, j/c/ç/ch/dj, s/z/ş/sh/th/dh, h/kh, w/v.
 * Upper-case letters (from Arabic script) are already classes and untouched.
 */
function consonantClasses(word: string): string {
  return word
    .replace(/^abd(?:ul|el|al|ol|ur|ar|us|u)(?=[a-z]{3})/, "abd")
    .replace(/ck/g, "k")
    .replace(/x/g, "ks")
    .replace(/ph/g, "f")
    .replace(/(?:dzh|dj|tch|zh|ch|c)/g, "j")
    .replace(/(?:sh|th|dh|ts|z)/g, "s")
    .replace(/kh/g, "h")
    .replace(/(?:gh|g|q)/g, "k")
    .replace(/p/g, "b")
    .replace(/d/g, "t")
    .replace(/v/g, "w");
}

/**
 * The skeleton of one name word: consonant classes, no vowels, no doubling, no final h, and w/y kept
 * only where the word starts with them. "Mehmet", "Muhammad", "Mohamed" and "محمد" all give "mhmt".
 */
export function wordSkeleton(word: string): string {
  const variant = NAME_VARIANTS[word] ?? word;
  const classed = consonantClasses(variant).toLowerCase();
  let skeleton = "";
  for (let i = 0; i < classed.length; i++) {
    const char = classed[i] as string;
    if ("aeiou".includes(char)) continue;
    if ((char === "w" || char === "y") && i > 0) continue;
    if (skeleton.endsWith(char)) continue;
    skeleton += char;
  }
  return skeleton.length > 1 ? skeleton.replace(/h$/, "") : skeleton;
}

/**
 * The skeletons of every word of a person's names, given and family together, sorted and without
 * repeats: the same whichever name was recorded as given and which as family, in whichever order.
 */
export function nameSkeletons(...names: readonly (string | undefined)[]): string[] {
  const skeletons = names
    .flatMap((name) => (name ? nameWords(name) : []))
    .map(wordSkeleton)
    .filter((s) => s.length > 0);
  return [...new Set(skeletons)].sort();
}
