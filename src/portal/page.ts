/**
 * The portal page in the visitor's language: which language to show (a `?lang=` link wins, then
 * the browser's Accept-Language, matched the way the bot matches an activity's locale), and the
 * page template filled from that language's `portal` catalog section. Every catalog text is
 * HTML-escaped before `**bold**` becomes <strong>, so a translation cannot inject markup.
 */
import type { Localizer } from '../core/i18n';

/** What the page needs to know about each registered language (locales/index.ts). */
export interface PortalLanguage {
  readonly tag: string;
  /** Web Chat's locale for this language when the browser's own locale is another language. */
  readonly webChat: string;
}

/** The retention periods the privacy note states (the sweep's real settings). */
export interface RetentionPeriods {
  readonly abandonedHours: number;
  readonly conversationDays: number;
  readonly auditDays: number;
}

export interface PageLanguage {
  /** Catalog tag of the page: `<html lang>`. */
  readonly lang: string;
  /** Full tag for Web Chat and the join event: the browser's (es-MX) when it speaks the page's language. */
  readonly locale: string;
}

/** A language tag as BCP 47 writes it; anything else in a header or query is ignored. */
const TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$/;

/** Accept-Language entries, most wanted first; q=0 and `*` are dropped. */
export function acceptedLanguages(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((e) => TAG.test(e.tag) && Number.isFinite(e.q) && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((e) => e.tag);
}

export class PageLanguages {
  constructor(
    private readonly localizer: Localizer,
    private readonly languages: readonly PortalLanguage[],
  ) {}

  /** The catalog language for a tag, or undefined when the bot has no catalog for its language. */
  private known(tag: string): string | undefined {
    return TAG.test(tag) ? this.localizer.match(tag) : undefined;
  }

  choose(query: string | undefined, acceptLanguage: string | undefined): PageLanguage {
    const accepted = acceptedLanguages(acceptLanguage);
    const lang =
      (query !== undefined ? this.known(query) : undefined) ??
      accepted.map((tag) => this.known(tag)).find((l) => l !== undefined) ??
      this.localizer.fallback;
    // The browser's own tag keeps its region (es-MX: Mexican phone numbers by default).
    const own = accepted.find((tag) => this.known(tag) === lang && tag.includes('-'));
    const webChat = this.languages.find((l) => l.tag === lang)?.webChat ?? lang;
    return { lang, locale: own ?? webChat };
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Text for element content or a double-quoted attribute (the template quotes every attribute with "). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ENTITIES[c]!);
}

/** Catalog text as HTML: escaped, then `**x**` as <strong>x</strong>. */
export function catalogHtml(text: string): string {
  return escapeHtml(text).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
}

/** JSON inside <script type="application/json">: nothing in it can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The texts portal.js shows (status line, errors), under the names it looks them up by. */
const SCRIPT_STRINGS = [
  'portal.status.starting',
  'portal.status.connecting',
  'portal.status.connected',
  'portal.errors.generic',
  'portal.errors.unreachable',
  'portal.errors.notLoaded',
  'portal.errors.rateLimited',
  'portal.errors.notConfigured',
];

export interface PageInput {
  readonly template: string;
  readonly language: PageLanguage;
  readonly retention: RetentionPeriods;
}

/**
 * Fills `{{name}}` in the template: computed parts (lang, locale, languageSwitcher, strings,
 * privacyRetention) or else the catalog's `portal.<name>`. An unknown name throws, so a typo in
 * the template fails the tests instead of showing "{{heading}}".
 */
export function renderPage(localizer: Localizer, languages: readonly PortalLanguage[], input: PageInput): string {
  const { lang, locale } = input.language;
  const text = (key: string) => localizer.template(lang, `portal.${key}`);
  const retention = text('privacyRetention').replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = (input.retention as unknown as Record<string, number | undefined>)[name];
    if (value === undefined) throw new Error(`portal.privacyRetention (${lang}) has an unknown placeholder ${whole}`);
    return String(value);
  });
  const computed: Record<string, string> = {
    lang: escapeHtml(lang),
    locale: escapeHtml(locale),
    privacyRetention: catalogHtml(retention),
    strings: scriptJson(Object.fromEntries(SCRIPT_STRINGS.map((key) => [key.slice('portal.'.length), localizer.template(lang, key)]))),
    languageSwitcher: languages
      .map((l) => {
        const name = escapeHtml(localizer.template(l.tag, 'portal.languageName'));
        const tag = escapeHtml(l.tag);
        const current = l.tag === lang ? ' aria-current="page"' : '';
        return `<li><a href="?lang=${encodeURIComponent(l.tag)}" lang="${tag}" hreflang="${tag}"${current}>${name}</a></li>`;
      })
      .join(''),
  };
  return input.template.replace(/\{\{([\w.]+)\}\}/g, (_whole, name: string) => computed[name] ?? catalogHtml(text(name)));
}
