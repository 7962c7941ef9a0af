/**
 * Every sentence the bot says comes from a locale catalog (locales/*.json), never from a dialog.
 * Catalogs are nested JSON objects whose leaves are strings (messages with {{placeholders}}) or
 * string arrays (synonyms a person may type).
 */

export type CatalogValue = string | readonly string[] | { readonly [key: string]: CatalogValue };
export type Catalog = { readonly [key: string]: CatalogValue };

export type Vars = Readonly<Record<string, string | number>>;

/** Characters that start markup in Markdown (Web Chat, Teams) or HTML (Teams). */
const MARKUP = /[\\`*_{}[\]()#+!|~<>&]/g;
const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/**
 * Escapes text a person typed before the bot echoes it, so that "<b>" or "[x](http://evil)"
 * shows as typed instead of turning into markup or a link in the bot's own voice.
 */
export function escapeMarkup(text: string): string {
  return text.replace(MARKUP, (c) => ENTITIES[c] ?? `\\${c}`);
}

export class MissingMessageError extends Error {
  constructor(lang: string, key: string) {
    super(`No message "${key}" in locale "${lang}"`);
  }
}

/** Told of every message handed to a person, by key; the conversation explorer records steps with it. */
export type MessageObserver = (lang: string, key: string, text: string) => void;

/** How many distinct activity locales `language()` remembers; the tag comes from the channel, so it is bounded. */
export const LANGUAGE_MEMO_LIMIT = 64;

export class Localizer {
  readonly languages: readonly string[];
  private readonly observers = new Set<MessageObserver>();
  /**
   * Each catalog flattened to its leaves by dotted key, built on first use of that language.
   * A turn looks up dozens of messages and every lookup used to split its key and walk the tree.
   */
  private readonly leaves = new Map<string, ReadonlyMap<string, string | readonly string[]>>();
  /** Activity locale -> catalog language, for the locales seen (cleared when it reaches the limit). */
  private readonly languageOf = new Map<string, string>();

  constructor(
    private readonly catalogs: Readonly<Record<string, Catalog>>,
    readonly fallback: string,
  ) {
    if (!catalogs[fallback]) throw new Error(`The fallback locale "${fallback}" has no catalog`);
    this.languages = Object.keys(catalogs);
  }

  /**
   * The catalog language for an activity locale: the catalog of that exact tag (`pt-BR`), else the
   * one of its base language (`es-MX` -> `es`, `pt-PT` -> `pt-BR`); unknown ones fall back.
   */
  language(locale: string | undefined): string {
    const key = locale ?? '';
    let lang = this.languageOf.get(key);
    if (lang === undefined) {
      lang = this.match(key) ?? this.fallback;
      if (this.languageOf.size >= LANGUAGE_MEMO_LIMIT) this.languageOf.clear();
      this.languageOf.set(key, lang);
    }
    return lang;
  }

  /**
   * The catalog language for a locale, as `language()` picks it, or undefined when no catalog is
   * in its language (where `language()` falls back): the portal asks this of each tag a browser
   * accepts.
   */
  match(locale: string): string | undefined {
    const wanted = locale.trim().toLowerCase().replace(/_/g, '-');
    const base = wanted.split('-')[0] ?? '';
    if (!base) return undefined;
    const exact = this.languages.find((tag) => tag.toLowerCase() === wanted);
    return exact ?? this.languages.find((tag) => tag.toLowerCase().split('-')[0] === base);
  }

  /**
   * A message with its placeholders filled; values are escaped unless listed in `raw`. A missing
   * value throws: a person must never read "{{reference}}".
   */
  t(lang: string, key: string, vars: Vars = {}, raw: readonly string[] = []): string {
    const text = this.template(lang, key).replace(/\{\{(\w+)\}\}/g, (_whole, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new Error(`Message "${key}" needs a value for {{${name}}}`);
      return raw.includes(name) ? String(value) : escapeMarkup(String(value));
    });
    for (const observer of this.observers) observer(lang, key, text);
    return text;
  }

  /** Adds an observer of every message looked up; returns the function that removes it. */
  observe(observer: MessageObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** The message as written in the catalog, placeholders unfilled. */
  template(lang: string, key: string): string {
    const template = this.lookup(lang, key);
    if (typeof template !== 'string') throw new MissingMessageError(lang, key);
    return template;
  }

  /** True when the catalogs hold a message under `key` (optional parts such as a step's link). */
  has(lang: string, key: string): boolean {
    return typeof this.lookup(lang, key) === 'string';
  }

  /** A list entry (synonyms); a missing list is a bug in the catalogs, so it throws. */
  list(lang: string, key: string): readonly string[] {
    const value = this.lookup(lang, key);
    if (!Array.isArray(value)) throw new MissingMessageError(lang, key);
    return value as readonly string[];
  }

  /** A leaf (message or list) of the language's catalog, else of the fallback's; never a subtree. */
  private lookup(lang: string, key: string): string | readonly string[] | undefined {
    return this.leavesOf(lang).get(key) ?? (lang === this.fallback ? undefined : this.leavesOf(this.fallback).get(key));
  }

  private leavesOf(lang: string): ReadonlyMap<string, string | readonly string[]> {
    let leaves = this.leaves.get(lang);
    if (!leaves) {
      const catalog = this.catalogs[lang];
      // Only catalog languages are kept: an unknown tag finds nothing and falls back, as before.
      if (!catalog) return NO_LEAVES;
      leaves = new Map(catalogLeaves(catalog));
      this.leaves.set(lang, leaves);
    }
    return leaves;
  }
}

const NO_LEAVES: ReadonlyMap<string, string | readonly string[]> = new Map();

/** Every leaf of a catalog (a message or a list of synonyms) with its dotted key, in one walk. */
function catalogLeaves(catalog: Catalog, prefix = ''): [string, string | readonly string[]][] {
  return Object.entries(catalog).flatMap(([k, v]): [string, string | readonly string[]][] => {
    const key = prefix ? `${prefix}.${k}` : k;
    return typeof v === 'string' || Array.isArray(v) ? [[key, v as string | readonly string[]]] : catalogLeaves(v as Catalog, key);
  });
}

/** Every leaf key of a catalog, for checking that translations are complete. */
export function catalogKeys(catalog: Catalog): string[] {
  return catalogLeaves(catalog).map(([key]) => key);
}
