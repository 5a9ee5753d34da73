/** Languages built-in texts come in; the caller's language picks the text. */
export type Lang = 'zh_CN' | 'en_US';
export const LANGS: readonly Lang[] = ['zh_CN', 'en_US'];

/** A text in several languages (Nekro's `i18n_text(zh_CN=…, en_US=…)`). */
export type I18nText = Partial<Record<Lang, string>>;

export function i18nText(text: I18nText): I18nText {
  return text;
}

export function isI18nText(value: unknown): value is I18nText {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).every((k) => (LANGS as string[]).includes(k));
}

/** The text in `lang`, else in the other language, else `fallback`. */
export function resolveText(text: string | I18nText | undefined, lang: Lang, fallback = ''): string {
  if (text === undefined) return fallback;
  if (typeof text === 'string') return text;
  return text[lang] ?? text.en_US ?? text.zh_CN ?? fallback;
}

/** Maps a platform language code (`zh-hans`, `en-US`, `zh_TW`) to a supported language, if any. */
export function langFromCode(code: string | undefined): Lang | undefined {
  if (!code) return undefined;
  const c = code.toLowerCase();
  if (c.startsWith('zh')) return 'zh_CN';
  if (c.startsWith('en')) return 'en_US';
  return undefined;
}
