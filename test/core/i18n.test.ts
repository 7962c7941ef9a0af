import fs from 'node:fs';
import path from 'node:path';
import { WALKTHROUGHS } from '../../dialogs/guidedStepsDialog';
import en from '../../locales/en.json';
import { CATALOGS, LANGUAGES, LANGUAGE_TAGS } from '../../locales';
import es from '../../locales/es.json';
import { catalogKeys, escapeMarkup, LANGUAGE_MEMO_LIMIT, Localizer, MissingMessageError, type Catalog, type CatalogValue } from '../../src/core/i18n';
import { parseMobileNumber, type ParseMobileOptions, type PhoneRejection } from '../../src/core/phone';
import type { RequestedFix } from '../../src/core/ports';
import { recognizeInterruption } from '../../src/core/recognizers';

const catalogs: Record<'en' | 'es', Catalog> = { en, es };
const localizer = new Localizer(catalogs, 'en');
/** Every registered language (locales/index.ts). */
const everyLanguage = new Localizer(CATALOGS, 'en');
const ROOT = path.join(__dirname, '..', '..');

function lookup(catalog: Catalog, key: string): CatalogValue | undefined {
  let node: CatalogValue | undefined = catalog;
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
    node = (node as Catalog)[part];
  }
  return node;
}

const placeholders = (message: string) => [...message.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

/** True when every markup character in `text` is escaped (backslash) or an entity. */
function isInert(text: string): boolean {
  const stripped = text.replace(/\\[\\`*_{}[\]()#+!|~]/g, '').replace(/&(?:lt|gt|amp);/g, '');
  return !/[\\`*_{}[\]()#+!|~<>]/.test(stripped) && !/&(?!(?:lt|gt|amp);)/.test(text.replace(/\\./g, ''));
}

describe('Localizer.language', () => {
  test.each<[string | undefined, string]>([
    ['es-MX', 'es'],
    ['es-ES', 'es'],
    ['ES', 'es'],
    ['es_AR', 'es'],
    [' es ', 'es'],
    ['es', 'es'],
    ['en-GB', 'en'],
    ['en-US', 'en'],
    ['fr-FR', 'en'],
    ['de', 'en'],
    ['', 'en'],
    [undefined, 'en'],
    ['-es', 'en'],
  ])('%j -> %s', (locale, expected) => {
    expect(localizer.language(locale)).toBe(expected);
  });

  test('the fallback is the one configured, not always English', () => {
    expect(new Localizer(catalogs, 'es').language('fr-FR')).toBe('es');
  });

  test('a fallback without a catalog is refused', () => {
    expect(() => new Localizer(catalogs, 'fr')).toThrow(/fr/);
  });

  test('a region-specific catalog serves its whole language; the exact tag wins', () => {
    const regional = new Localizer({ en: { a: 'a' }, 'pt-BR': { a: 'b' }, pt: { a: 'c' } }, 'en');
    expect(regional.language('pt-BR')).toBe('pt-BR');
    expect(regional.language('pt_br')).toBe('pt-BR');
    expect(regional.language('pt-PT')).toBe('pt-BR');
    expect(new Localizer({ en: { a: 'a' }, 'pt-BR': { a: 'b' } }, 'en').language('pt')).toBe('pt-BR');
    expect(regional.language('p')).toBe('en');
  });

  test('remembers the locales it has seen, at most LANGUAGE_MEMO_LIMIT of them, and still answers right', () => {
    const fresh = new Localizer(catalogs, 'en');
    const memo = (fresh as unknown as { languageOf: Map<string, string> }).languageOf;
    for (let i = 0; i < LANGUAGE_MEMO_LIMIT * 3; i += 1) fresh.language(`x${i}-YY`);
    expect(memo.size).toBeLessThanOrEqual(LANGUAGE_MEMO_LIMIT);
    expect(fresh.language('es-MX')).toBe('es');
    expect(fresh.language('es-MX')).toBe('es');
    expect(fresh.language('fr')).toBe('en');
  });

  test('match is language() without the fallback: undefined where language() falls back', () => {
    expect(localizer.match('es-MX')).toBe('es');
    expect(localizer.match('EN-gb')).toBe('en');
    expect(localizer.match('fr-FR')).toBeUndefined();
    expect(localizer.match('')).toBeUndefined();
    expect(localizer.language('fr-FR')).toBe('en');
  });

  test('languages lists the catalogs', () => {
    expect([...localizer.languages].sort()).toEqual(['en', 'es']);
  });
});

describe('Localizer.t', () => {
  const small = new Localizer(
    {
      en: { greet: 'Hello {{name}}, you are {{age}}', only: 'English only', link: 'See {{url}}', nested: { deep: 'Deep {{x}}' }, list: ['a', 'b'] },
      es: { greet: 'Hola {{name}}, tienes {{age}}', link: 'Mira {{url}}' },
    },
    'en',
  );

  test('fills placeholders, numbers included', () => {
    expect(small.t('en', 'greet', { name: 'Ana', age: 30 })).toBe('Hello Ana, you are 30');
    expect(small.t('es', 'greet', { name: 'Ana', age: 30 })).toBe('Hola Ana, tienes 30');
  });

  test('a missing value throws instead of showing "{{name}}" to a person', () => {
    expect(() => small.t('en', 'greet', { name: 'Ana' })).toThrow(/age/);
    expect(small.template('en', 'greet')).toBe('Hello {{name}}, you are {{age}}');
  });

  test('fills a placeholder used twice, and in nested keys', () => {
    const twice = new Localizer({ en: { m: '{{a}} and {{a}}' } }, 'en');
    expect(twice.t('en', 'm', { a: 'x' })).toBe('x and x');
    expect(small.t('en', 'nested.deep', { x: '1' })).toBe('Deep 1');
  });

  test.each<[string, string]>([
    ['<script>alert(1)</script>', '&lt;script&gt;alert\\(1\\)&lt;/script&gt;'],
    ['[x](http://evil)', '\\[x\\]\\(http://evil\\)'],
    ['**bold**', '\\*\\*bold\\*\\*'],
    ['_it_', '\\_it\\_'],
    ['`code`', '\\`code\\`'],
    ['# heading', '\\# heading'],
    ['![img](http://evil/x.png)', '\\!\\[img\\]\\(http://evil/x.png\\)'],
    ['a & b', 'a &amp; b'],
    ['back\\slash', 'back\\\\slash'],
    ['plain text 123', 'plain text 123'],
  ])('escapes the value %j', (value, expected) => {
    const out = small.t('en', 'greet', { name: value, age: 1 });
    expect(out).toBe(`Hello ${expected}, you are 1`);
    expect(isInert(expected)).toBe(true);
  });

  test('the inertness check itself catches live markup', () => {
    expect(isInert('**bold**')).toBe(false);
    expect(isInert('<b>')).toBe(false);
    expect(isInert('[x](y)')).toBe(false);
    expect(isInert('a & b')).toBe(false);
  });

  test('values listed in raw are inserted as they are, the others still escaped', () => {
    const out = small.t('en', 'greet', { name: '**Ana**', age: '<1>' }, ['name']);
    expect(out).toBe('Hello **Ana**, you are &lt;1&gt;');
    expect(small.t('en', 'link', { url: 'https://aka.ms/x_(y)' }, ['url'])).toBe('See https://aka.ms/x_(y)');
  });

  test('a missing key throws, naming the key and language', () => {
    expect(() => small.t('en', 'nope')).toThrow(MissingMessageError);
    expect(() => small.t('es', 'nested.nope')).toThrow(/nested\.nope.*es/);
    expect(() => localizer.t('en', 'account.nothingHere')).toThrow(MissingMessageError);
  });

  test('a list or a branch is not a message', () => {
    expect(() => small.t('en', 'list')).toThrow(MissingMessageError);
    expect(() => small.t('en', 'nested')).toThrow(MissingMessageError);
    expect(() => small.t('en', 'greet.more')).toThrow(MissingMessageError);
  });

  test('a key missing in one language comes from the fallback language', () => {
    expect(small.t('es', 'only')).toBe('English only');
    expect(small.t('fr', 'greet', { name: 'x', age: 1 })).toBe('Hello x, you are 1');
  });

  test('real catalogs: the same key differs by language', () => {
    expect(localizer.t('es', 'intake.recorded', { reference: 'HD-ABCD-EFGH' })).toContain('HD-ABCD-EFGH');
    expect(localizer.t('es', 'welcome')).not.toBe(localizer.t('en', 'welcome'));
  });
});

describe('Localizer.list and has', () => {
  test('list returns the synonyms in the language asked for', () => {
    expect(localizer.list('en', 'interrupt.words.cancel')).toContain('cancel');
    expect(localizer.list('es', 'interrupt.words.cancel')).toContain('cancelar');
  });

  test('list throws for a message or a missing key', () => {
    expect(() => localizer.list('en', 'welcome')).toThrow(MissingMessageError);
    expect(() => localizer.list('en', 'words.nothing')).toThrow(MissingMessageError);
  });

  test.each<[string, string, boolean]>([
    ['en', 'welcome', true],
    ['es', 'personal.steps.open.url', true],
    ['en', 'personal.steps.manage.url', false],
    ['en', 'words.yes', false], // a list is not a message
    ['en', 'account', false], // nor is a branch
    ['en', 'no.such.key', false],
  ])('has(%s, %s) -> %s', (lang, key, expected) => {
    expect(localizer.has(lang, key)).toBe(expected);
  });
});

describe('Localizer lookups by flattened key', () => {
  test('every leaf of every catalog reads as in the tree, and a branch is never a message', () => {
    for (const tag of everyLanguage.languages) {
      for (const key of catalogKeys(CATALOGS[tag]!)) {
        const leaf = lookup(CATALOGS[tag]!, key);
        if (typeof leaf === 'string') expect(everyLanguage.template(tag, key)).toBe(leaf);
        else expect(everyLanguage.list(tag, key)).toBe(leaf);
      }
      expect(everyLanguage.has(tag, 'interrupt')).toBe(false);
    }
  });

  test('a key only the fallback has comes from the fallback; an unknown language reads the fallback', () => {
    const small = new Localizer({ en: { a: { b: 'B' }, only: 'O' }, es: { a: { b: 'Be' } } }, 'en');
    expect(small.template('es', 'only')).toBe('O');
    expect(small.template('es', 'a.b')).toBe('Be');
    expect(small.template('xx', 'a.b')).toBe('B');
    expect(small.has('es', 'a.c')).toBe(false);
  });
});

describe('catalogKeys', () => {
  test('lists every leaf, lists included, branches not', () => {
    expect(catalogKeys({ a: 'x', b: { c: 'y', d: ['z'], e: { f: 'w' } } }).sort()).toEqual(['a', 'b.c', 'b.d', 'b.e.f']);
  });

  test('finds known keys in the real catalog', () => {
    const keys = catalogKeys(en);
    expect(keys).toEqual(expect.arrayContaining(['welcome', 'account.words.personal', 'personal.steps.open.title']));
    expect(keys).not.toContain('account');
  });
});

describe('escapeMarkup', () => {
  test.each<[string, string]>([
    ['<b>x</b>', '&lt;b&gt;x&lt;/b&gt;'],
    ['1 * 2', '1 \\* 2'],
    ['a|b', 'a\\|b'],
    ['~~gone~~', '\\~\\~gone\\~\\~'],
    ['{{name}}', '\\{\\{name\\}\\}'], // cannot turn into a placeholder either
    ['ordinary words.', 'ordinary words.'],
  ])('%j -> %j', (input, expected) => {
    expect(escapeMarkup(input)).toBe(expected);
  });
});

// Every translation against English, the source: the same keys, the same placeholders, the same
// URLs, and really translated. A language added to locales/index.ts
// is covered here without touching this file.
const TRANSLATIONS = LANGUAGES.filter((l) => l.tag !== 'en');
/** Links in a message, bare ones (aka.ms/…) included, without the sentence's closing punctuation. */
const urls = (text: string) => [...text.matchAll(/https?:\/\/[^\s)*\]]+|\b(?:aka\.ms|account\.microsoft\.com|account\.live\.com|mysignins\.microsoft\.com)\/[^\s)*\]]*/g)].map((m) => m[0].replace(/[.,;:]+$/, '')).sort();

describe('catalog completeness', () => {
  const enKeys = catalogKeys(en).sort();
  const messageKeys = enKeys.filter((k) => typeof lookup(en, k) === 'string');
  const listKeys = enKeys.filter((k) => Array.isArray(lookup(en, k)));

  test('the registry lists English first and every catalog file in locales/', () => {
    expect(LANGUAGES[0]!.tag).toBe('en');
    const files = fs.readdirSync(path.join(ROOT, 'locales')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
    expect([...LANGUAGE_TAGS].sort()).toEqual(files);
    expect(enKeys.length).toBeGreaterThan(100);
  });

  describe.each(TRANSLATIONS.map((l) => [l.tag, l.catalog] as const))('%s', (tag, catalog) => {
    test('has exactly the keys of English: none missing, none extra', () => {
      const keys = catalogKeys(catalog).sort();
      expect({ missing: enKeys.filter((k) => !keys.includes(k)), extra: keys.filter((k) => !enKeys.includes(k)) }).toEqual({ missing: [], extra: [] });
    });

    test('every message is non-empty and keeps English placeholders and URLs', () => {
      const wrong: string[] = [];
      for (const key of messageKeys) {
        const source = lookup(en, key) as string;
        const message = lookup(catalog, key);
        if (typeof message !== 'string' || message.trim() === '') wrong.push(`${key}: missing or empty`);
        else {
          if (placeholders(message).join() !== placeholders(source).join()) wrong.push(`${key}: placeholders ${placeholders(message)} vs ${placeholders(source)}`);
          if (urls(message).join() !== urls(source).join()) wrong.push(`${key}: URLs ${urls(message)} vs ${urls(source)}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    test('every list of synonyms is non-empty and holds only non-empty strings', () => {
      const wrong = listKeys.filter((key) => {
        const list = lookup(catalog, key);
        return !Array.isArray(list) || list.length === 0 || list.some((w) => typeof w !== 'string' || w.trim() === '');
      });
      expect(wrong).toEqual([]);
    });

    test(`differs from English for at least 90% of messages`, () => {
      const same = messageKeys.filter((k) => lookup(en, k) === lookup(catalog, k));
      expect(messageKeys.length).toBeGreaterThan(50);
      expect(same.length / messageKeys.length).toBeLessThanOrEqual(0.1);
    });

    test('button titles offered together are distinct', () => {
      const choices = lookup(catalog, 'choices') as Record<string, string>;
      const titles = Object.values(choices).map((t) => t.toLowerCase());
      expect(new Set(titles).size).toBe(titles.length);
      void tag;
    });
  });

  test.each(messageKeys.map((k) => [k]))('%s: English is a non-empty message', (key) => {
    expect((lookup(en, key) as string).trim()).not.toBe('');
  });
});

describe('the catalogue check itself', () => {
  test('catches a lost placeholder and a changed URL', () => {
    expect(placeholders('Hola {{name}}').join()).not.toBe(placeholders('Hi {{name}} {{age}}').join());
    expect(urls('Siehe https://aka.ms/mfasetup.').join()).toBe(urls('See https://aka.ms/mfasetup').join());
    expect(urls('Voir https://support.microsoft.com/fr-fr').join()).not.toBe(urls('See https://support.microsoft.com').join());
  });
});

// ---------------------------------------------------------------------------------------------
// Keys the code asks for must exist.

interface KeyUse {
  file: string;
  method: string;
  key: string;
  /** What the call needs under the key. */
  kind: 'message' | 'list' | 'any';
}

const KEY_LITERAL = /'([a-z][A-Za-z]*(?:\.[A-Za-z-]+)+)'/g;
const CALL = /\.(t|say|sayWith|list|choice|has)\(/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The top-level arguments of the call whose '(' is at `open`, split at commas outside brackets and strings. */
function callArguments(source: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = open + 1; i < source.length; i += 1) {
    const c = source[i]!;
    if (c === '\'' || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      current += source.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth += 1;
    if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        if (current.trim() !== '') args.push(current.trim());
        return args;
      }
      depth -= 1;
    }
    if (c === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  throw new Error('unbalanced call');
}

const literalKeys = (arg: string | undefined) => [...(arg ?? '').matchAll(KEY_LITERAL)].map((m) => m[1]!);
const pureLiteral = (arg: string | undefined) => /^'([^'\\]+)'$/.exec(arg ?? '')?.[1];

function keyUses(): KeyUse[] {
  const uses: KeyUse[] = [];
  for (const file of [...sourceFiles(path.join(ROOT, 'dialogs')), ...sourceFiles(path.join(ROOT, 'src'))]) {
    const source = fs.readFileSync(file, 'utf8');
    const rel = path.relative(ROOT, file);
    for (const call of source.matchAll(CALL)) {
      const method = call[1]!;
      const args = callArguments(source, call.index + call[0].length - 1);
      const add = (arg: string | undefined, kind: KeyUse['kind']) => {
        for (const key of literalKeys(arg)) uses.push({ file: rel, method, key, kind });
      };
      switch (method) {
        case 't':
        case 'sayWith':
          add(args[1], 'message');
          break;
        case 'say':
          for (const arg of args.slice(1)) add(arg, 'message');
          break;
        case 'list':
          add(args[1], 'list');
          break;
        case 'has':
          add(args[1], 'any');
          break;
        case 'choice': {
          add(args[2], 'message');
          if (args.length >= 4) {
            add(args[3], 'list');
          } else {
            // Without a words key the synonyms come from `words.<value>`.
            const value = pureLiteral(args[1]);
            if (value !== undefined) uses.push({ file: rel, method, key: `words.${value}`, kind: 'list' });
          }
          break;
        }
      }
    }
  }
  return uses;
}

/**
 * Every dotted literal whose first part is a top-level catalog key, however it reaches the
 * localizer. Dialog and prompt ids are constants named in capitals (`const START = 'work.start'`),
 * so those declarations are left out.
 */
function catalogLikeLiterals(): { file: string; key: string }[] {
  const roots = new Set(Object.keys(en));
  const found: { file: string; key: string }[] = [];
  for (const file of [...sourceFiles(path.join(ROOT, 'dialogs')), ...sourceFiles(path.join(ROOT, 'src'))]) {
    const source = fs.readFileSync(file, 'utf8').replace(/\bconst [A-Z][A-Z0-9_]* = '[^']*';/g, '');
    for (const m of source.matchAll(KEY_LITERAL)) {
      // File names ('portal.css') are not keys, even where a catalog root shares the name.
      if (/\.(css|js|html|json|png)$/.test(m[1]!)) continue;
      if (roots.has(m[1]!.split('.')[0]!)) found.push({ file: path.relative(ROOT, file), key: m[1]! });
    }
  }
  return found;
}

describe('keys used in code exist in the catalogs', () => {
  const uses = keyUses();

  test('the scanner finds the calls (so an empty scan cannot pass)', () => {
    expect(uses.length).toBeGreaterThan(60);
    const keys = uses.map((u) => u.key);
    expect(keys).toEqual(
      expect.arrayContaining(['account.ask', 'account.words.unsure', 'interrupt.words.filler', 'choices.done', 'words.yes', 'intake.consumerAddress', 'personal.noMethod.honest', 'errors.turn']),
    );
  });

  test('the scanner reads multi-line calls and conditional keys', () => {
    const args = callArguments("say(ctx,\n  cond ? 'a.b' : 'c.d',\n  f('e.f', [1, 2]),\n  `x.${y}`)", 3);
    expect(args).toEqual(['ctx', "cond ? 'a.b' : 'c.d'", "f('e.f', [1, 2])", '`x.${y}`']);
    expect(args.flatMap(literalKeys)).toEqual(['a.b', 'c.d', 'e.f']);
  });

  test.each(uses.map((u) => [`${u.file}: .${u.method}(…'${u.key}'…)`, u] as const))('%s', (_label, use) => {
    for (const catalog of Object.values(CATALOGS)) {
      const value = lookup(catalog, use.key);
      if (use.kind === 'message') expect(typeof value).toBe('string');
      else if (use.kind === 'list') expect(Array.isArray(value)).toBe(true);
      else expect(value).toBeDefined();
    }
  });

  // Keys that reach the localizer through a helper (`yesNo(step, 'work.canSignIn')`, `t('intake.x')`,
  // a destructured pair) are caught by this wider sweep.
  test.each(catalogLikeLiterals().map((l) => [l.file, l.key] as const))('%s mentions %s, which exists', (_file, key) => {
    for (const catalog of Object.values(CATALOGS)) expect(lookup(catalog, key)).toBeDefined();
  });

  describe.each(Object.entries(WALKTHROUGHS))('walkthrough %s', (_walkthrough, steps) => {
    test.each([...steps])('step %s has title, text and stuck in every language', (step) => {
      for (const catalog of Object.values(CATALOGS)) {
        for (const part of ['title', 'text', 'stuck']) {
          expect(typeof lookup(catalog, `${step}.${part}`)).toBe('string');
        }
      }
    });
  });

  test('the catalog has no step that no walkthrough shows', () => {
    const shown = new Set<string>(Object.values(WALKTHROUGHS).flat());
    const inCatalog = ['personal.steps', 'work.steps', 'diagnosis.steps'].flatMap((prefix) => Object.keys(lookup(en, prefix) as Catalog).map((step) => `${prefix}.${step}`));
    expect(inCatalog.filter((step) => !shown.has(step))).toEqual([]);
  });

  // Record<RequestedFix, …> makes the compiler insist on every fix.
  const fixes: Record<RequestedFix, true> = { 'replace-mobile': true, 'temporary-access-pass': true };
  test.each(Object.keys(fixes))('fix %s has a title and words in every language', (fix) => {
    for (const catalog of Object.values(CATALOGS)) {
      expect(typeof lookup(catalog, `intake.fix.${fix}`)).toBe('string');
      expect(Array.isArray(lookup(catalog, `intake.fixWords.${fix}`))).toBe(true);
    }
  });
});

describe('every phone rejection has a reply', () => {
  // Record<PhoneRejection, …> makes the compiler insist on every reason (types are gone at run time).
  const samples: Record<PhoneRejection, [string, ParseMobileOptions]> = {
    empty: ['', {}],
    not_a_number: ['hello', {}],
    needs_country_code: ['07400 123456', {}],
    invalid_country: ['+999 1234567', {}],
    too_short: ['+44 12', {}],
    too_long: ['+44 7400 1234567', {}],
    invalid: ['+44 5123 456789', {}],
    not_mobile: ['+44 20 7946 0958', {}],
    has_extension: ['+44 7400 123456 ext 12', {}],
    same_as_old: ['+44 7400 123456', { oldNumbers: ['+447400123456'] }],
  };

  test.each(Object.entries(samples))('%s: parseMobileNumber produces it and both catalogs answer it', (reason, [input, opts]) => {
    const parsed = parseMobileNumber(input, opts);
    expect(parsed.ok ? 'accepted' : parsed.reason).toBe(reason);
    for (const lang of LANGUAGE_TAGS) {
      expect(everyLanguage.has(lang, `phone.${reason}`)).toBe(true);
      const reply = everyLanguage.t(lang, `phone.${reason}`, { example: '+44 7400 123456' }, ['example']);
      expect(reply).not.toMatch(/\{\{/);
    }
  });

  test('the catalogs have no reply for a reason that does not exist', () => {
    expect(Object.keys(lookup(en, 'phone') as Catalog).sort()).toEqual(Object.keys(samples).sort());
  });
});

describe('every language says what English says', () => {
  test('the link check finds links (so an empty scan cannot pass)', () => {
    const messageKeys = catalogKeys(en).filter((k) => typeof lookup(en, k) === 'string');
    expect(messageKeys.filter((k) => urls(lookup(en, k) as string).length > 0).length).toBeGreaterThan(5);
    expect(urls('Ve a https://account.microsoft.com/security.')).toEqual(['https://account.microsoft.com/security']);
    expect(urls('Öffnen Sie aka.ms/mfasetup.')).toEqual(['aka.ms/mfasetup']);
  });

  // A button's title is sent back as the answer; if an interruption's words stand in it, pressing
  // the button runs the interruption instead ("Pedir ayuda a una persona" once read as "talk to a person").
  const titleKeys = catalogKeys(en).filter((k) => /^(choices|account\.choices|intake\.fix)\./.test(k) && typeof lookup(en, k) === 'string');
  test.each(titleKeys.flatMap((k) => LANGUAGE_TAGS.map((lang) => [lang, k] as const)))('%s %s: pressing the button is not read as a command', (lang, key) => {
    const words = (name: string) => everyLanguage.list(lang, `interrupt.words.${name}`);
    const heard = recognizeInterruption(everyLanguage.t(lang, key), {
      help: words('help'), cancel: words('cancel'), startOver: words('startOver'), human: words('human'),
      status: words('status'), cancelRequest: words('cancelRequest'), filler: words('filler'),
    });
    expect(heard).toBe(key === 'choices.startOver' ? 'startOver' : undefined);
  });
});
