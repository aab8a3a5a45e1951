import { useTranslation } from "react-i18next";
import { changeLanguage, isLanguage, LANGUAGES } from "../i18n/index.js";

/** The language choice; each option is named in its own language, so anyone can find theirs. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language-switch">
      <span>{t("language.label")}</span>
      <select
        value={i18n.language}
        onChange={(event) => {
          if (isLanguage(event.target.value)) void changeLanguage(event.target.value);
        }}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {t(`language.${language}`, { lng: language })}
          </option>
        ))}
      </select>
    </label>
  );
}
