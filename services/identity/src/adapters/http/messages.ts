/**
 * The words of this service's own pages (login, device flow, errors) in the languages staff work in.
 *
 * A typed catalogue rather than i18next: these are a few dozen server-rendered strings with two
 * placeholders, picked once per request, with no plurals, no lazy loading and no client side.
 * `satisfies Record<Locale, Messages>` turns a missing or misspelt translation into a compile error
 * (i18next's string keys would show one only at run time, as the key), and the service gains no
 * dependency. The console, which has all of those needs, uses i18next.
 */

export const LOCALES = ["en", "tr", "ar"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

export interface Messages {
  /** The language's own name, for the language switch. */
  name: string;
  dir: "ltr" | "rtl";
  language: string;
  login: {
    title: string;
    username: string;
    password: string;
    submit: string;
    /** One message for an unknown user, a wrong password and a locked account alike. */
    failed: string;
  };
  device: {
    title: string;
    intro: string;
    code: string;
    invalid: string;
    continue: string;
    confirmTitle: string;
    /** Both arguments arrive as HTML, already escaped. */
    confirm: (code: string, client: string) => string;
    doneTitle: string;
    done: string;
  };
  error: {
    title: string;
    intro: string;
    details: string;
    code: string;
  };
}

export const MESSAGES = {
  en: {
    name: "English",
    dir: "ltr",
    language: "Language",
    login: {
      title: "Sign in to Köprü",
      username: "Username",
      password: "Password",
      submit: "Sign in",
      failed:
        "The username or password is not correct, or the account is locked for a while. Try again later or ask your administrator.",
    },
    device: {
      title: "Connect a device to Köprü",
      intro: "Type the code shown on your device.",
      code: "Code",
      invalid: "That code is not valid or has expired. Check it and try again.",
      continue: "Continue",
      confirmTitle: "Confirm the device",
      confirm: (code, client) =>
        `Check that your device shows the code ${code}, then continue to sign in for ${client}.`,
      doneTitle: "Device connected",
      done: "You are signed in on your device. You can close this page.",
    },
    error: {
      title: "Sign-in could not continue",
      intro: "The sign-in request was not accepted. Start again from the application you came from.",
      details: "Details:",
      code: "Error code:",
    },
  },
  tr: {
    name: "Türkçe",
    dir: "ltr",
    language: "Dil",
    login: {
      title: "Köprü'ye giriş yapın",
      username: "Kullanıcı adı",
      password: "Parola",
      submit: "Giriş yap",
      failed:
        "Kullanıcı adı veya parola doğru değil ya da hesap bir süreliğine kilitlendi. Daha sonra yeniden deneyin veya yöneticinize başvurun.",
    },
    device: {
      title: "Köprü'ye bir cihaz bağlayın",
      intro: "Cihazınızda gösterilen kodu yazın.",
      code: "Kod",
      invalid: "Bu kod geçerli değil veya süresi dolmuş. Kontrol edip yeniden deneyin.",
      continue: "Devam et",
      confirmTitle: "Cihazı onaylayın",
      confirm: (code, client) =>
        `Cihazınızda ${code} kodunun göründüğünü kontrol edin, ardından ${client} için girişe devam edin.`,
      doneTitle: "Cihaz bağlandı",
      done: "Cihazınızda oturum açtınız. Bu sayfayı kapatabilirsiniz.",
    },
    error: {
      title: "Giriş devam edemedi",
      intro: "Giriş isteği kabul edilmedi. Geldiğiniz uygulamadan yeniden başlayın.",
      details: "Ayrıntılar:",
      code: "Hata kodu:",
    },
  },
  ar: {
    name: "العربية",
    dir: "rtl",
    language: "اللغة",
    login: {
      title: "تسجيل الدخول إلى Köprü",
      username: "اسم المستخدم",
      password: "كلمة المرور",
      submit: "تسجيل الدخول",
      failed:
        "اسم المستخدم أو كلمة المرور غير صحيحة، أو أن الحساب مقفل مؤقتًا. حاول مرة أخرى لاحقًا أو اطلب المساعدة من المسؤول.",
    },
    device: {
      title: "ربط جهاز بـ Köprü",
      intro: "اكتب الرمز الظاهر على جهازك.",
      code: "الرمز",
      invalid: "هذا الرمز غير صالح أو انتهت صلاحيته. تحقق منه وحاول مرة أخرى.",
      continue: "متابعة",
      confirmTitle: "تأكيد الجهاز",
      confirm: (code, client) => `تحقق من أن جهازك يعرض الرمز ${code}، ثم تابع تسجيل الدخول إلى ${client}.`,
      doneTitle: "تم ربط الجهاز",
      done: "تم تسجيل دخولك على جهازك. يمكنك إغلاق هذه الصفحة.",
    },
    error: {
      title: "تعذّرت متابعة تسجيل الدخول",
      intro: "لم يُقبل طلب تسجيل الدخول. ابدأ من جديد من التطبيق الذي جئت منه.",
      details: "التفاصيل:",
      code: "رمز الخطأ:",
    },
  },
} as const satisfies Record<Locale, Messages>;

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * The page's language: the first candidate that names a supported one. A candidate is a language
 * explicitly chosen on the page (`?lang=`), or an OpenID `ui_locales` value — space-separated BCP 47
 * tags in order of preference, of which the first supported one wins (`ar-SY` is Arabic).
 */
export function pickLocale(...candidates: unknown[]): Locale {
  for (const candidate of candidates) {
    if (typeof candidate !== "string") continue;
    for (const tag of candidate.trim().split(/\s+/)) {
      const primary = tag.split(/[-_]/)[0]?.toLowerCase();
      if (isLocale(primary)) return primary;
    }
  }
  return DEFAULT_LOCALE;
}

export function messages(locale: Locale): Messages {
  return MESSAGES[locale];
}
