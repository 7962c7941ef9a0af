// Builds the Teams app package (dist/teams-app.zip) from teams-app/: fills the placeholders in
// manifest.template.json, validates the result against the Teams schema bundled in
// @microsoft/app-manifest (offline: the package's own validateManifest downloads the schema),
// checks the icons, and zips manifest.json, color.png and outline.png at the archive root.
// Its texts come from the bot's catalogs (locales/<tag>.json, section teamsApp): English in the
// manifest, and one localization file per other language, listed in localizationInfo, so Teams
// shows the app's name, description and commands in each user's language.
//
//   npm run package:teams                          # MicrosoftAppId (and optional BOT_DOMAIN) from the environment
//   npm run package:teams -- --app-id <guid> --domain bot.contoso.example
//   npm run package:teams -- --allow-placeholder   # local trial without a bot registration
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import JSZip from 'jszip';
import { COLOR_ICON_SIZE, OUTLINE_ICON_SIZE, readPngHeader } from './make-teams-icons';

export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
export const TEMPLATE_FILE = 'manifest.template.json';
export const ICON_FILES = { color: 'color.png', outline: 'outline.png' } as const;
/** What the zip holds, in order. Teams wants these at the root, not in a folder. */
export const PACKAGE_ENTRIES = ['manifest.json', ICON_FILES.color, ICON_FILES.outline] as const;

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const HOST_NAME = /^(\*\.)?([a-z0-9-]+\.)+[a-z0-9-]+$/i;
/** `${{NAME}}` for a setting, `${{t:teamsApp.nameShort}}` for a text from the catalogs. */
const PLACEHOLDER = /\$\{\{([A-Z0-9_]+|t:[A-Za-z0-9_.]+)\}\}/g;
const TEXT_ONLY = /^\$\{\{t:([A-Za-z0-9_.]+)\}\}$/;
/** The catalog the manifest's own strings come from; Teams falls back to it. */
export const DEFAULT_LANGUAGE = 'en';
// Zip entries carry a timestamp; a fixed one makes the same inputs give the same bytes.
const ENTRY_DATE = new Date(Date.UTC(2020, 0, 1));

export interface PackageOptions {
  /** Azure Bot app id (the app registration's client id); becomes `id` and `bots[0].botId`. */
  appId?: string;
  /** Host name for `validDomains`, e.g. the bot's host; optional. */
  botDomain?: string;
  /** Package with the all-zero app id when none (or no valid one) is given: local trials only. */
  allowPlaceholder?: boolean;
  /** Folder with manifest.template.json, color.png and outline.png. */
  sourceDir: string;
  /** Folder with the catalogs (<tag>.json); default: locales/ beside sourceDir. */
  localesDir?: string;
  outFile: string;
}

export interface PackageResult {
  outFile: string;
  manifest: Record<string, unknown>;
  /** Things the person packaging should know, e.g. that the placeholder id was used. */
  notes: string[];
}

/** Everything that stops packaging, listed together so one run shows every fix needed. */
export class TeamsPackageError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cannot build the Teams app package:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TeamsPackageError';
  }
}

interface ManifestView {
  manifestVersion?: unknown;
  id?: unknown;
  bots?: { botId?: unknown }[];
  icons?: { color?: unknown; outline?: unknown };
  developer?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Replaces `${{NAME}}` in every string of the template. An array item that is only a placeholder
 * with no value is dropped (an optional list entry such as validDomains); any other placeholder
 * without a value is reported.
 */
export function fillTemplate(template: unknown, values: Record<string, string | undefined>, problems: string[], path = ''): unknown {
  if (typeof template === 'string') {
    return template.replace(PLACEHOLDER, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) {
        problems.push(`${path || '/'}: placeholder ${whole} has no value`);
        return whole;
      }
      return value;
    });
  }
  if (Array.isArray(template)) {
    return template
      .filter((item) => {
        const only = typeof item === 'string' ? /^\$\{\{([A-Z0-9_]+)\}\}$/.exec(item) : null;
        return !(only && values[only[1]!] === undefined);
      })
      .map((item: unknown, i) => fillTemplate(item, values, problems, `${path}/${i}`));
  }
  if (isRecord(template)) {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, values, problems, `${path}/${k}`)]));
  }
  return template;
}

/** Every string under the catalog's `teamsApp` section as template values: `t:teamsApp.nameShort` → text. */
export function textValues(catalog: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  const walk = (node: unknown, key: string): void => {
    if (typeof node === 'string') values[`t:${key}`] = node;
    else if (isRecord(node)) for (const [k, v] of Object.entries(node)) walk(v, `${key}.${k}`);
  };
  walk(catalog.teamsApp, 'teamsApp');
  return values;
}

/**
 * The template's translatable strings: each string that is one text placeholder, with its path
 * written the way Teams localization files name it (`name.short`,
 * `bots[0].commandLists[0].commands[1].title`).
 */
export function translatableStrings(template: unknown, path = ''): { path: string; key: string }[] {
  if (typeof template === 'string') {
    const key = TEXT_ONLY.exec(template)?.[1];
    return key ? [{ path, key }] : [];
  }
  if (Array.isArray(template)) return template.flatMap((item: unknown, i) => translatableStrings(item, `${path}[${i}]`));
  if (isRecord(template)) return Object.entries(template).flatMap(([k, v]) => translatableStrings(v, path ? `${path}.${k}` : k));
  return [];
}

/** The catalogs in `dir`, by language tag (file name): en.json, es.json, pt-BR.json… */
export function readCatalogs(dir: string, problems: string[]): Map<string, Record<string, unknown>> {
  const catalogs = new Map<string, Record<string, unknown>>();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (e) {
    problems.push(`cannot read the catalogs in ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  for (const file of files) {
    try {
      const catalog: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      if (isRecord(catalog)) catalogs.set(file.replace(/\.json$/, ''), catalog);
      else problems.push(`${file} must hold a JSON object`);
    } catch (e) {
      problems.push(`${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (files.length > 0 && !catalogs.has(DEFAULT_LANGUAGE)) problems.push(`no ${DEFAULT_LANGUAGE}.json catalog in ${dir}`);
  return catalogs;
}

/** Teams language tags are written in lower case (en, pt-br). */
export const localizationFile = (tag: string): string => `${tag.toLowerCase()}.json`;

// Schema validation, the way @microsoft/app-manifest's ManifestUtil.validateManifestAgainstSchema
// does it (same ajv-draft-04 and ajv-formats, loaded from that package's own dependencies, same
// options, same messages), without loading the package itself: its entry point require()s an
// ES-module-only dependency (strip-bom 5), which Node loads only from 20.19 / 22.12 on and jest's
// module loader not at all before Node 24.9. A test checks the two agree.

interface AjvError {
  instancePath: string;
  message?: string;
  params?: unknown;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface Ajv {
  compile(schema: object): AjvValidate;
}
type AjvClass = new (options: { allErrors: boolean; strictTypes: boolean; unicodeRegExp?: boolean }) => Ajv;
type AddFormats = (ajv: Ajv, formats: string[]) => unknown;

function appManifestRoot(): string {
  return dirname(require.resolve('@microsoft/app-manifest/package.json'));
}

function defaultExport<T>(mod: unknown): T {
  return ((mod as { default?: T }).default ?? mod) as T;
}

/** Path of the schema @microsoft/app-manifest bundles for a manifestVersion such as "1.30". */
export function bundledSchemaPath(manifestVersion: string, file = 'MicrosoftTeams.schema.json'): string {
  return join(appManifestRoot(), 'build', 'json-schemas', 'teams', `v${manifestVersion}`, file);
}

export const LOCALIZATION_SCHEMA = 'MicrosoftTeams.Localization.schema.json';

/** Errors of a localization file against the Localization schema of the manifest's version. */
export function localizationErrors(file: Record<string, unknown>, manifestVersion: string): string[] {
  const validate = schemaValidator(manifestVersion, LOCALIZATION_SCHEMA);
  if (!validate) return [`no localization schema v${manifestVersion} bundled in @microsoft/app-manifest`];
  if (validate(file)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}. Details: ${e.params ? JSON.stringify(e.params) : ''}`);
}

/**
 * Errors from the schema bundled for the manifest's manifestVersion, one readable line each
 * ("<json pointer> <message>. Details: <params>", as ManifestUtil words them); empty when valid.
 */
export function schemaErrors(manifest: Record<string, unknown>): string[] {
  const version = manifest.manifestVersion;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) {
    return ['/manifestVersion must be a version such as "1.30"'];
  }
  const validate = schemaValidator(version);
  if (!validate) return [`/manifestVersion ${version} has no schema bundled in @microsoft/app-manifest`];
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}. Details: ${e.params ? JSON.stringify(e.params) : ''}`);
}

const validators = new Map<string, AjvValidate>();

function schemaValidator(version: string, file?: string): AjvValidate | undefined {
  const cacheKey = `${version}/${file ?? ''}`;
  const known = validators.get(cacheKey);
  if (known) return known;
  let schema: { $schema?: unknown };
  try {
    schema = JSON.parse(readFileSync(bundledSchemaPath(version, file), 'utf8')) as { $schema?: unknown };
  } catch {
    return undefined;
  }
  if (typeof schema.$schema !== 'string' || !schema.$schema.includes('draft-04')) {
    throw new Error(`the bundled Teams schema v${version} is not JSON Schema draft-04; update scripts/package-teams-app.ts`);
  }
  const fromAppManifest = createRequire(join(appManifestRoot(), 'package.json'));
  const AjvDraft04 = defaultExport<AjvClass>(fromAppManifest('ajv-draft-04'));
  const addFormats = defaultExport<AddFormats>(fromAppManifest('ajv-formats'));
  // The bundled localization schemas hold a pattern (`\b]` in activityTypes) that is invalid as
  // a Unicode regular expression, which is how ajv compiles patterns by default.
  const ajv = new AjvDraft04({ allErrors: true, strictTypes: false, ...(file === LOCALIZATION_SCHEMA ? { unicodeRegExp: false } : {}) });
  addFormats(ajv, ['uri', 'email', 'regex']);
  const validate = ajv.compile(schema);
  validators.set(cacheKey, validate);
  return validate;
}

function checkIcon(problems: string[], file: string, png: Buffer, size: number, needsAlpha: boolean): void {
  try {
    const h = readPngHeader(png);
    if (h.width !== size || h.height !== size) problems.push(`${file} is ${h.width}×${h.height}; Teams needs ${size}×${size}`);
    if (needsAlpha && h.colorType !== 6 && h.colorType !== 4 && !h.hasTrnsChunk) {
      problems.push(`${file} has no transparency; the outline icon must be white on a transparent background`);
    }
  } catch (e) {
    problems.push(`${file}: ${(e as Error).message}`);
  }
}

function readSource(problems: string[], sourceDir: string, file: string): Buffer | undefined {
  try {
    return readFileSync(join(sourceDir, file));
  } catch (e) {
    problems.push(`cannot read ${join(sourceDir, file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return undefined;
  }
}

/** Validates everything and writes the zip; throws TeamsPackageError listing every problem. */
export async function buildTeamsAppPackage(options: PackageOptions): Promise<PackageResult> {
  const problems: string[] = [];
  const notes: string[] = [];

  // GUIDs compare case-insensitively; Azure shows app ids in lower case, so the manifest does too.
  const rawId = blankToUndefined(options.appId);
  const givenId = rawId?.toLowerCase();
  let appId = givenId;
  if (givenId === undefined || !GUID.test(givenId) || givenId === PLACEHOLDER_APP_ID) {
    const why = givenId === undefined
      ? 'no app id given (set MicrosoftAppId or pass --app-id)'
      : givenId === PLACEHOLDER_APP_ID
        ? 'the app id is the all-zero placeholder'
        : `the app id "${rawId}" is not a GUID`;
    // Without a usable id, validate the rest with the placeholder so one mistake gives one message.
    appId = PLACEHOLDER_APP_ID;
    if (options.allowPlaceholder) {
      notes.push(`${why}: using the placeholder ${PLACEHOLDER_APP_ID} (--allow-placeholder). This package is for trying the upload only; it cannot reach a bot.`);
    } else {
      problems.push(`${why}; it must be the Azure Bot's Microsoft App ID (a GUID), or pass --allow-placeholder for a local trial`);
    }
  }

  const botDomain = blankToUndefined(options.botDomain);
  if (botDomain !== undefined && (!HOST_NAME.test(botDomain) || botDomain.length > 253)) {
    problems.push(`BOT_DOMAIN must be a host name such as bot.contoso.example (no https://, port or path); got "${botDomain}"`);
  }

  let manifest: Record<string, unknown> | undefined;
  const catalogs = readCatalogs(options.localesDir ?? join(options.sourceDir, '..', 'locales'), problems);
  const localizations = new Map<string, Record<string, unknown>>();
  const templateBytes = readSource(problems, options.sourceDir, TEMPLATE_FILE);
  if (templateBytes) {
    let template: unknown;
    try {
      template = JSON.parse(templateBytes.toString('utf8').replace(/^\uFEFF/, ''));
    } catch (e) {
      problems.push(`${TEMPLATE_FILE} is not valid JSON: ${(e as Error).message}`);
    }
    const filled = template === undefined ? undefined : fillTemplate(template, { MICROSOFT_APP_ID: appId, BOT_DOMAIN: botDomain, ...textValues(catalogs.get(DEFAULT_LANGUAGE) ?? {}) }, problems);
    if (isRecord(filled)) manifest = filled;
    else if (template !== undefined) problems.push(`${TEMPLATE_FILE} must hold a JSON object`);
    if (manifest && template !== undefined) {
      // One file per other language, with every translatable string of the template.
      const strings = translatableStrings(template);
      const version = String(manifest.manifestVersion);
      for (const [tag, catalog] of catalogs) {
        if (tag === DEFAULT_LANGUAGE) continue;
        const texts = textValues(catalog);
        const file: Record<string, unknown> = { $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${version}/${LOCALIZATION_SCHEMA}` };
        for (const { path, key } of strings) {
          const text = texts[`t:${key}`];
          if (text === undefined) problems.push(`${tag}.json has no ${key} (for ${path})`);
          else file[path] = text;
        }
        problems.push(...localizationErrors(file, version).map((e) => `${localizationFile(tag)}: schema: ${e}`));
        localizations.set(localizationFile(tag), file);
      }
      if (localizations.size > 0) {
        manifest.localizationInfo = {
          defaultLanguageTag: DEFAULT_LANGUAGE,
          additionalLanguages: [...catalogs.keys()].filter((tag) => tag !== DEFAULT_LANGUAGE).map((tag) => ({ languageTag: tag.toLowerCase(), file: localizationFile(tag) })),
        };
      }
    }
  }

  if (manifest) {
    const view = manifest as ManifestView;
    if (view.bots?.[0]?.botId !== view.id) problems.push('/bots/0/botId must equal /id (both are the bot\'s app id)');
    if (view.icons?.color !== ICON_FILES.color || view.icons?.outline !== ICON_FILES.outline) {
      problems.push(`/icons must name "${ICON_FILES.color}" and "${ICON_FILES.outline}", the files the package holds`);
    }
    problems.push(...schemaErrors(manifest).map((e) => `schema: ${e}`));
    const developerUrls = Object.values(view.developer ?? {}).filter((v): v is string => typeof v === 'string' && /^https?:\/\/[^/]*\.example(\/|$)/i.test(v));
    if (developerUrls.length > 0) {
      notes.push(`developer links still point at the reserved .example placeholder (${developerUrls.join(', ')}); replace them in ${TEMPLATE_FILE} before publishing to the whole organisation.`);
    }
  }

  const color = readSource(problems, options.sourceDir, ICON_FILES.color);
  const outline = readSource(problems, options.sourceDir, ICON_FILES.outline);
  if (color) checkIcon(problems, ICON_FILES.color, color, COLOR_ICON_SIZE, false);
  if (outline) checkIcon(problems, ICON_FILES.outline, outline, OUTLINE_ICON_SIZE, true);

  if (problems.length > 0 || !manifest || !color || !outline) throw new TeamsPackageError(problems);

  const zip = new JSZip();
  const entry = { date: ENTRY_DATE };
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, entry);
  zip.file(ICON_FILES.color, color, entry);
  zip.file(ICON_FILES.outline, outline, entry);
  for (const [file, strings] of localizations) zip.file(file, `${JSON.stringify(strings, null, 2)}\n`, entry);
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
  mkdirSync(dirname(options.outFile), { recursive: true });
  writeFileSync(options.outFile, bytes);
  return { outFile: options.outFile, manifest, notes };
}

const USAGE = `Usage: npm run package:teams -- [--app-id <guid>] [--domain <host>] [--allow-placeholder] [--out <file>]

  --app-id             the Azure Bot's Microsoft App ID (default: $MicrosoftAppId)
  --domain             host name for validDomains (default: $BOT_DOMAIN; optional)
  --allow-placeholder  without a valid app id, use ${PLACEHOLDER_APP_ID} (local trials only)
  --out                where to write the zip (default: dist/teams-app.zip)`;

/** Options from the command line, falling back to the environment; paths relative to `cwd`. */
export function optionsFromCli(argv: string[], env: NodeJS.ProcessEnv, cwd: string): PackageOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      'app-id': { type: 'string' },
      domain: { type: 'string' },
      'allow-placeholder': { type: 'boolean', default: false },
      out: { type: 'string', default: join('dist', 'teams-app.zip') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  return {
    appId: values['app-id'] ?? env.MicrosoftAppId,
    botDomain: values.domain ?? env.BOT_DOMAIN,
    allowPlaceholder: values['allow-placeholder'],
    sourceDir: resolve(cwd, 'teams-app'),
    localesDir: resolve(cwd, 'locales'),
    outFile: resolve(cwd, values.out),
  };
}

async function main(): Promise<number> {
  let options: PackageOptions | 'help';
  try {
    options = optionsFromCli(process.argv.slice(2), process.env, process.cwd());
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  try {
    const result = await buildTeamsAppPackage(options);
    for (const note of result.notes) console.warn(`Note: ${note}`);
    const domains = Array.isArray(result.manifest.validDomains) ? result.manifest.validDomains.join(', ') : '';
    const info = result.manifest.localizationInfo as { additionalLanguages?: { languageTag: string }[] } | undefined;
    const languages = [DEFAULT_LANGUAGE, ...(info?.additionalLanguages ?? []).map((l) => l.languageTag)].join(', ');
    console.log(`Wrote ${result.outFile} (manifest ${String(result.manifest.manifestVersion)}, app id ${String(result.manifest.id)}, languages: ${languages}, valid domains: ${domains || 'none'})`);
    return 0;
  } catch (e) {
    console.error(e instanceof TeamsPackageError ? e.message : e);
    return 1;
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
