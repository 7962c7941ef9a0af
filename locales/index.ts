/**
 * The bot's languages: one catalog each, and what the rest of the product needs to know about a
 * language (how its dates are written, Web Chat's locale, the country a national phone number is
 * read in). Adding a language: translate en.json into `<tag>.json`, then add ONE import line and
 * ONE entry below; every test that covers "all languages" reads this list. (The Teams package
 * script, compiled on its own, reads the same `<tag>.json` files from this folder; a test checks
 * the two agree.)
 */
import type { Catalog } from '../src/core/i18n';
import en from './en.json';
import es from './es.json';
import fr from './fr.json';
import de from './de.json';
import ptBR from './pt-BR.json';
import ja from './ja.json';

export interface Language {
  /** Catalog key and BCP 47 tag: a base language, or language-REGION when the region matters (pt-BR). */
  readonly tag: string;
  readonly catalog: Catalog;
  /** Intl locale for dates ("1 February 2027" in British English). */
  readonly intl: string;
  /** Web Chat's `locale` (its own strings: send box, "Send", timestamps). */
  readonly webChat: string;
  /** Country for national-format phone numbers when the person's locale names no region. */
  readonly phoneCountry?: string;
}

export const LANGUAGES: readonly Language[] = [
  { tag: 'en', catalog: en, intl: 'en-GB', webChat: 'en-US' },
  { tag: 'es', catalog: es, intl: 'es-ES', webChat: 'es-ES' },
  { tag: 'fr', catalog: fr, intl: 'fr-FR', webChat: 'fr-FR', phoneCountry: 'FR' },
  { tag: 'de', catalog: de, intl: 'de-DE', webChat: 'de-DE', phoneCountry: 'DE' },
  { tag: 'pt-BR', catalog: ptBR, intl: 'pt-BR', webChat: 'pt-BR', phoneCountry: 'BR' },
  { tag: 'ja', catalog: ja, intl: 'ja-JP', webChat: 'ja-JP', phoneCountry: 'JP' },
];

export const LANGUAGE_TAGS: readonly string[] = LANGUAGES.map((l) => l.tag);

export const CATALOGS: Readonly<Record<string, Catalog>> = Object.fromEntries(LANGUAGES.map((l) => [l.tag, l.catalog]));

export function languageInfo(tag: string): Language | undefined {
  return LANGUAGES.find((l) => l.tag === tag);
}
