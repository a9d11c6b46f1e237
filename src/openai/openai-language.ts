/**
 * OpenAI's `language` is ISO-639-1 ("en"); our providers take BCP-47 codes ("en-US"). Each
 * language maps to the variant AWS Transcribe offers first for it; the configured default wins
 * when it is a variant of the same language (TRANSCRIBE_LANGUAGE_CODE=en-GB makes "en" en-GB).
 * verbose_json answers the language by its English name, as Whisper does.
 */
const LANGUAGES: Record<string, { code: string; name: string }> = {
  af: { code: 'af-ZA', name: 'afrikaans' },
  ar: { code: 'ar-SA', name: 'arabic' },
  ca: { code: 'ca-ES', name: 'catalan' },
  cs: { code: 'cs-CZ', name: 'czech' },
  da: { code: 'da-DK', name: 'danish' },
  de: { code: 'de-DE', name: 'german' },
  el: { code: 'el-GR', name: 'greek' },
  en: { code: 'en-US', name: 'english' },
  es: { code: 'es-US', name: 'spanish' },
  fa: { code: 'fa-IR', name: 'persian' },
  fi: { code: 'fi-FI', name: 'finnish' },
  fr: { code: 'fr-FR', name: 'french' },
  he: { code: 'he-IL', name: 'hebrew' },
  hi: { code: 'hi-IN', name: 'hindi' },
  hr: { code: 'hr-HR', name: 'croatian' },
  hu: { code: 'hu-HU', name: 'hungarian' },
  id: { code: 'id-ID', name: 'indonesian' },
  it: { code: 'it-IT', name: 'italian' },
  ja: { code: 'ja-JP', name: 'japanese' },
  ko: { code: 'ko-KR', name: 'korean' },
  ms: { code: 'ms-MY', name: 'malay' },
  nl: { code: 'nl-NL', name: 'dutch' },
  no: { code: 'no-NO', name: 'norwegian' },
  pl: { code: 'pl-PL', name: 'polish' },
  pt: { code: 'pt-BR', name: 'portuguese' },
  ro: { code: 'ro-RO', name: 'romanian' },
  ru: { code: 'ru-RU', name: 'russian' },
  sk: { code: 'sk-SK', name: 'slovak' },
  sv: { code: 'sv-SE', name: 'swedish' },
  th: { code: 'th-TH', name: 'thai' },
  tl: { code: 'tl-PH', name: 'tagalog' },
  tr: { code: 'tr-TR', name: 'turkish' },
  uk: { code: 'uk-UA', name: 'ukrainian' },
  vi: { code: 'vi-VN', name: 'vietnamese' },
  zh: { code: 'zh-CN', name: 'chinese' },
};

/** The provider language code for an ISO-639-1 code, or undefined when we know none. */
export function languageCodeOf(iso6391: string, configuredDefault: string): string | undefined {
  const language = iso6391.trim().toLowerCase();
  if (!/^[a-z]{2}$/.test(language)) return undefined;
  if (configuredDefault.toLowerCase().split('-')[0] === language) return configuredDefault;
  return LANGUAGES[language]?.code;
}

/** Whisper's name for a BCP-47 code ("en-US" → "english"); the code itself when unknown. */
export function languageNameOf(languageCode: string): string {
  const language = languageCode.toLowerCase().split('-')[0];
  return LANGUAGES[language]?.name ?? languageCode;
}

export const SUPPORTED_ISO_LANGUAGES = Object.keys(LANGUAGES);
