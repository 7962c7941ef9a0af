import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import {
  buildTeamsAppPackage,
  bundledSchemaPath,
  fillTemplate,
  localizationErrors,
  localizationFile,
  optionsFromCli,
  PACKAGE_ENTRIES,
  PLACEHOLDER_APP_ID,
  schemaErrors,
  TeamsPackageError,
  textValues,
  translatableStrings,
} from '../../scripts/package-teams-app';
import { CATALOGS, LANGUAGE_TAGS } from '../../locales';
import { recognizeInterruption, type Interruption } from '../../src/core/recognizers';
import { decodePng, drawColorIcon, drawOutlineIcon, encodePng, readPngHeader } from '../../scripts/make-teams-icons';

const REPO = join(__dirname, '..', '..');
const SOURCE_DIR = join(REPO, 'teams-app');
const LOCALES_DIR = join(REPO, 'locales');
const EN_TEXTS = textValues(JSON.parse(readFileSync(join(LOCALES_DIR, 'en.json'), 'utf8')) as Record<string, unknown>);
const APP_ID = '6f1c2a4e-3b5d-4c7e-9f80-1a2b3c4d5e6f';
const DOMAIN = 'bot.contoso.example';

interface Command {
  title: string;
}
interface Manifest {
  manifestVersion: string;
  id: string;
  name: { short: string; full: string };
  bots: { botId: string; scopes: string[]; supportsFiles: boolean; isNotificationOnly: boolean; commandLists: { scopes: string[]; commands: Command[] }[] }[];
  validDomains: string[];
  webApplicationInfo?: unknown;
}

function template(): unknown {
  return JSON.parse(readFileSync(join(SOURCE_DIR, 'manifest.template.json'), 'utf8')) as unknown;
}

function filled(values: Record<string, string | undefined> = { MICROSOFT_APP_ID: APP_ID, BOT_DOMAIN: DOMAIN }): Record<string, unknown> {
  const problems: string[] = [];
  const manifest = fillTemplate(template(), { ...values, ...EN_TEXTS }, problems) as Record<string, unknown>;
  expect(problems).toEqual([]);
  return manifest;
}

const typed = (m: Record<string, unknown>): Manifest => m as unknown as Manifest;

/** The filled manifest with a name too long and a botId that is no GUID. */
function broken(): Record<string, unknown> {
  const manifest = filled();
  typed(manifest).name.short = 'A name far longer than thirty characters';
  typed(manifest).bots[0]!.botId = 'not-a-guid';
  return manifest;
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'teams-app-test-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A copy of teams-app/ in the temp folder, optionally with files replaced. */
function sourceCopy(name: string, replace: Record<string, string | Buffer> = {}): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.json') || f.endsWith('.png'))) {
    copyFileSync(join(SOURCE_DIR, file), join(dir, file));
  }
  for (const [file, content] of Object.entries(replace)) writeFileSync(join(dir, file), content);
  return dir;
}

describe('Teams manifest template', () => {
  it('uses a manifest version whose schema is bundled, and fills every placeholder', () => {
    const manifest = filled();
    expect(existsSync(bundledSchemaPath(typed(manifest).manifestVersion))).toBe(true);
    expect(JSON.stringify(manifest)).not.toContain('${{');
  });

  it('validates against the bundled schema with no errors, with and without a bot domain', () => {
    expect(schemaErrors(filled())).toEqual([]);
    expect(schemaErrors(filled({ MICROSOFT_APP_ID: APP_ID, BOT_DOMAIN: undefined }))).toEqual([]);
  });

  it('is really checked: schema violations come back as readable lines', () => {
    expect(schemaErrors(broken())).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/name\/short must NOT have more than 30 characters/), expect.stringMatching(/^\/bots\/0\/botId must match pattern/)]),
    );
  });

  // The script re-creates ManifestUtil's validation because jest cannot load the package (see the
  // script); plain Node can, from 20.19 / 22.12, so compare the two on a valid and a broken manifest.
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const nodeLoadsAppManifest = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
  (nodeLoadsAppManifest ? it : it.skip)('agrees with ManifestUtil.validateManifestAgainstSchema run by plain Node', () => {
    const official = (manifest: Record<string, unknown>): string[] =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            '-e',
            `const { ManifestUtil } = require('@microsoft/app-manifest');
             const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
             const schema = JSON.parse(require('fs').readFileSync(input.schemaPath, 'utf8'));
             ManifestUtil.validateManifestAgainstSchema(input.manifest, schema).then((e) => process.stdout.write(JSON.stringify(e)));`,
          ],
          { cwd: REPO, input: JSON.stringify({ manifest, schemaPath: bundledSchemaPath(String(manifest.manifestVersion)) }), encoding: 'utf8' },
        ),
      ) as string[];
    expect(official(filled())).toEqual([]);
    expect(schemaErrors(broken())).toEqual(official(broken()));
    expect(schemaErrors(broken()).length).toBeGreaterThanOrEqual(2);
  });

  it('has one bot whose id is the app id, in personal and team scope, conversational, without files', () => {
    const m = typed(filled());
    expect(m.id).toBe(APP_ID);
    expect(m.bots).toHaveLength(1);
    const bot = m.bots[0]!;
    expect(bot.botId).toBe(m.id);
    expect(bot.scopes).toEqual(expect.arrayContaining(['personal', 'team']));
    expect(bot.supportsFiles).toBe(false);
    expect(bot.isNotificationOnly).toBe(false);
    expect(m.webApplicationInfo).toBeUndefined();
  });

  it('lists the personal commands in English, from the catalog; none in a team, where the bot only points to a 1:1 chat', () => {
    const lists = typed(filled()).bots[0]!.commandLists;
    const titles = (scope: string): string[] => lists.filter((l) => l.scopes.includes(scope)).flatMap((l) => l.commands.map((c) => c.title));
    expect(titles('personal')).toEqual(['help', 'start over', 'talk to a person', 'status', 'cancel my request']);
    expect(titles('team')).toEqual([]);
  });

  it('takes validDomains from BOT_DOMAIN and leaves it empty when there is none', () => {
    expect(typed(filled()).validDomains).toEqual([DOMAIN]);
    expect(typed(filled({ MICROSOFT_APP_ID: APP_ID, BOT_DOMAIN: undefined })).validDomains).toEqual([]);
  });

  it('reports a placeholder that has no value', () => {
    const problems: string[] = [];
    fillTemplate(template(), { BOT_DOMAIN: DOMAIN, ...EN_TEXTS }, problems);
    expect(problems).toEqual(['/id: placeholder ${{MICROSOFT_APP_ID}} has no value', '/bots/0/botId: placeholder ${{MICROSOFT_APP_ID}} has no value']);
  });
});

describe('Teams icons', () => {
  const color = decodePng(readFileSync(join(SOURCE_DIR, 'color.png')));
  const outline = decodePng(readFileSync(join(SOURCE_DIR, 'outline.png')));

  it('color.png is a 192×192 opaque full-colour image', () => {
    expect([color.width, color.height, color.bitDepth, color.colorType]).toEqual([192, 192, 8, 2]);
    const d = color.image.data;
    const colours = new Set<string>();
    for (let i = 0; i < d.length; i += 4) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    expect(colours.size).toBeGreaterThan(3); // background, glyph and anti-aliased edges: not a blank tile
  });

  it('outline.png is 32×32 RGBA, every pixel fully transparent or white, with a visible glyph', () => {
    expect([outline.width, outline.height, outline.bitDepth, outline.colorType]).toEqual([32, 32, 8, 6]);
    const d = outline.image.data;
    let transparent = 0;
    let opaque = 0;
    for (let i = 0; i < d.length; i += 4) {
      const alpha = d[i + 3]!;
      if (alpha === 0) transparent++;
      else expect([d[i], d[i + 1], d[i + 2]]).toEqual([255, 255, 255]);
      if (alpha === 255) opaque++;
    }
    expect(transparent).toBeGreaterThan(32 * 32 * 0.5);
    expect(opaque).toBeGreaterThan(50);
  });

  it('the committed icons are what scripts/make-teams-icons.ts draws', () => {
    expect(Buffer.from(color.image.data)).toEqual(Buffer.from(drawColorIcon().data.map((v, i) => (i % 4 === 3 ? 255 : v))));
    expect(Buffer.from(outline.image.data)).toEqual(Buffer.from(drawOutlineIcon().data));
  });

  it('reads the IHDR of what it writes and rejects what is not a PNG', () => {
    const png = encodePng({ width: 3, height: 2, data: new Uint8Array(3 * 2 * 4).fill(7) }, { alpha: true });
    expect(readPngHeader(png)).toEqual({ width: 3, height: 2, bitDepth: 8, colorType: 6, interlace: 0, hasTrnsChunk: false });
    expect(() => readPngHeader(Buffer.from('GIF89a'))).toThrow(/not a PNG/);
    const corrupt = Buffer.from(png);
    corrupt[20] = corrupt[20]! ^ 0xff;
    expect(() => readPngHeader(corrupt)).toThrow(/bad CRC/);
  });
});

describe('Teams app package', () => {
  async function unzip(file: string): Promise<JSZip> {
    return JSZip.loadAsync(readFileSync(file));
  }

  it('writes a zip with exactly manifest.json, color.png, outline.png and one file per other language at the root', async () => {
    const outFile = join(work, 'out', 'teams-app.zip');
    const result = await buildTeamsAppPackage({ appId: APP_ID, botDomain: DOMAIN, sourceDir: SOURCE_DIR, outFile });
    expect(result.outFile).toBe(outFile);

    const zip = await unzip(outFile);
    const languageFiles = LANGUAGE_TAGS.filter((t) => t !== 'en').map(localizationFile);
    expect(Object.keys(zip.files).sort()).toEqual([...PACKAGE_ENTRIES, ...languageFiles].sort());
    expect(Object.values(zip.files).some((f) => f.dir)).toBe(false);

    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Record<string, unknown>;
    expect(manifest).toEqual({ ...filled(), localizationInfo: manifest.localizationInfo });
    expect(manifest).toEqual(result.manifest);
    expect(schemaErrors(manifest)).toEqual([]);
    for (const icon of ['color.png', 'outline.png']) {
      expect(await zip.file(icon)!.async('nodebuffer')).toEqual(readFileSync(join(SOURCE_DIR, icon)));
    }
  });

  it('writes the app id in lower case, as Azure shows it', async () => {
    const result = await buildTeamsAppPackage({ appId: ` ${APP_ID.toUpperCase()} `, sourceDir: SOURCE_DIR, outFile: join(work, 'upper.zip') });
    expect(result.manifest.id).toBe(APP_ID);
    expect(typed(result.manifest).bots[0]!.botId).toBe(APP_ID);
  });

  it('gives the same bytes for the same inputs', async () => {
    const a = join(work, 'repeat-a.zip');
    const b = join(work, 'repeat-b.zip');
    await buildTeamsAppPackage({ appId: APP_ID, sourceDir: SOURCE_DIR, outFile: a });
    await buildTeamsAppPackage({ appId: APP_ID, sourceDir: SOURCE_DIR, outFile: b });
    expect(readFileSync(a)).toEqual(readFileSync(b));
  });

  it.each([
    ['not a GUID', 'My-Bot', /the app id "My-Bot" is not a GUID/],
    ['a GUID with a stray character', `${APP_ID}x`, /is not a GUID/],
    ['missing', undefined, /no app id given/],
    ['blank', '   ', /no app id given/],
    ['the all-zero placeholder', PLACEHOLDER_APP_ID, /all-zero placeholder/],
  ])('refuses an app id that is %s, and writes nothing', async (_label, appId, message) => {
    const outFile = join(work, `refused-${String(appId).length}.zip`);
    const attempt = buildTeamsAppPackage({ appId, sourceDir: SOURCE_DIR, outFile });
    await expect(attempt).rejects.toBeInstanceOf(TeamsPackageError);
    await expect(attempt).rejects.toThrow(message);
    // One mistake, one message: the placeholder does not cascade into schema errors.
    await expect(attempt).rejects.toHaveProperty('problems', [expect.stringMatching(message)]);
    expect(existsSync(outFile)).toBe(false);
  });

  it('with --allow-placeholder packages the all-zero id and says so', async () => {
    const outFile = join(work, 'placeholder.zip');
    const result = await buildTeamsAppPackage({ appId: 'my-bot', allowPlaceholder: true, sourceDir: SOURCE_DIR, outFile });
    expect(result.manifest.id).toBe(PLACEHOLDER_APP_ID);
    expect(typed(result.manifest).bots[0]!.botId).toBe(PLACEHOLDER_APP_ID);
    expect(result.notes.join('\n')).toMatch(/using the placeholder 00000000-0000-0000-0000-000000000000/);
    const zip = await unzip(outFile);
    expect(JSON.parse(await zip.file('manifest.json')!.async('string'))).toMatchObject({ id: PLACEHOLDER_APP_ID });
  });

  it('mentions the .example developer links that must be replaced before publishing', async () => {
    const result = await buildTeamsAppPackage({ appId: APP_ID, sourceDir: SOURCE_DIR, outFile: join(work, 'notes.zip') });
    expect(result.notes.join('\n')).toMatch(/support\.contoso\.example/);
  });

  it('refuses a bot domain that is a URL rather than a host name', async () => {
    await expect(buildTeamsAppPackage({ appId: APP_ID, botDomain: 'https://bot.contoso.example/api/messages', sourceDir: SOURCE_DIR, outFile: join(work, 'url.zip') })).rejects.toThrow(
      /BOT_DOMAIN must be a host name/,
    );
  });

  it('refuses icons of the wrong size or without transparency', async () => {
    const opaqueOutline = encodePng(drawOutlineIcon(), { alpha: false });
    const dir = sourceCopy('bad-icons', { 'color.png': readFileSync(join(SOURCE_DIR, 'outline.png')), 'outline.png': opaqueOutline });
    const attempt = buildTeamsAppPackage({ appId: APP_ID, sourceDir: dir, localesDir: LOCALES_DIR, outFile: join(work, 'bad-icons.zip') });
    await expect(attempt).rejects.toHaveProperty('problems', [
      'color.png is 32×32; Teams needs 192×192',
      'outline.png has no transparency; the outline icon must be white on a transparent background',
    ]);
  });

  it('refuses a template that breaks the schema or lets botId differ from id, listing every problem', async () => {
    const edited = typed(template() as Record<string, unknown>);
    edited.name.short = 'Sign-in help after a phone change';
    edited.bots[0]!.botId = '11111111-2222-3333-4444-555555555555';
    const dir = sourceCopy('bad-template', { 'manifest.template.json': JSON.stringify(edited) });
    const attempt = buildTeamsAppPackage({ appId: APP_ID, sourceDir: dir, localesDir: LOCALES_DIR, outFile: join(work, 'bad-template.zip') });
    await expect(attempt).rejects.toThrow(/\/bots\/0\/botId must equal \/id/);
    await expect(attempt).rejects.toThrow(/schema: \/name\/short must NOT have more than 30 characters/);
  });

  it('reports a template that is not JSON', async () => {
    const dir = sourceCopy('not-json', { 'manifest.template.json': '{ "id": ' });
    await expect(buildTeamsAppPackage({ appId: APP_ID, sourceDir: dir, localesDir: LOCALES_DIR, outFile: join(work, 'not-json.zip') })).rejects.toThrow(/manifest\.template\.json is not valid JSON/);
  });
});

describe('Teams app package in every language', () => {
  let manifest: Record<string, unknown>;
  let zip: JSZip;
  beforeAll(async () => {
    const result = await buildTeamsAppPackage({ appId: APP_ID, sourceDir: SOURCE_DIR, outFile: join(work, 'languages.zip') });
    manifest = result.manifest;
    zip = await JSZip.loadAsync(readFileSync(join(work, 'languages.zip')));
  });

  it('lists every language of the bot in localizationInfo, English the default', () => {
    expect(manifest.localizationInfo).toEqual({
      defaultLanguageTag: 'en',
      additionalLanguages: LANGUAGE_TAGS.filter((t) => t !== 'en')
        .sort()
        .map((tag) => ({ languageTag: tag.toLowerCase(), file: localizationFile(tag) })),
    });
    expect(LANGUAGE_TAGS.length).toBeGreaterThanOrEqual(2);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  const strings = translatableStrings(template());
  it('finds the template\'s translatable strings (so an empty scan cannot pass)', () => {
    expect(strings.map((s) => s.path)).toEqual(expect.arrayContaining(['name.short', 'description.full', 'bots[0].commandLists[0].commands[4].title']));
  });

  it.each(LANGUAGE_TAGS.filter((t) => t !== 'en'))('%s: its file validates against the localization schema and holds the catalog\'s texts', async (tag) => {
    const file = JSON.parse(await zip.file(localizationFile(tag))!.async('string')) as Record<string, unknown>;
    expect(localizationErrors(file, String(manifest.manifestVersion))).toEqual([]);
    const texts = textValues(CATALOGS[tag] as Record<string, unknown>);
    for (const { path, key } of strings) expect(file[path]).toBe(texts[`t:${key}`]);
    expect(file['name.short']).not.toBe(typed(manifest).name.short);
  });

  it.each(LANGUAGE_TAGS)('%s: each command title is what the bot recognises as that command', (tag) => {
    const words = (name: string) => CATALOGS[tag] && (((CATALOGS[tag] as { interrupt: { words: Record<string, string[]> } }).interrupt.words[name]) ?? []);
    const all = { help: words('help'), cancel: words('cancel'), startOver: words('startOver'), human: words('human'), status: words('status'), cancelRequest: words('cancelRequest'), filler: words('filler') };
    const commands = (CATALOGS[tag] as { teamsApp: { commands: Record<string, { title: string }> } }).teamsApp.commands;
    for (const [command, { title }] of Object.entries(commands)) expect([title, recognizeInterruption(title, all)]).toEqual([title, command as Interruption]);
  });

  it('the localization check is real: a name too long for Teams is refused, naming the file', () => {
    expect(localizationErrors({ 'name.short': 'x'.repeat(31), 'description.short': 'd', 'description.full': 'f' }, String(manifest.manifestVersion))).toEqual([
      expect.stringMatching(/name\.short must NOT have more than 30 characters/),
    ]);
  });

  it('refuses a catalog that lacks a Teams text, naming the language and key', async () => {
    const locales = join(work, 'locales-missing');
    mkdirSync(locales, { recursive: true });
    for (const tag of ['en', 'es']) writeFileSync(join(locales, `${tag}.json`), JSON.stringify(CATALOGS[tag]));
    const es = JSON.parse(JSON.stringify(CATALOGS.es)) as { teamsApp: Record<string, unknown> };
    delete es.teamsApp.nameFull;
    writeFileSync(join(locales, 'es.json'), JSON.stringify(es));
    await expect(buildTeamsAppPackage({ appId: APP_ID, sourceDir: SOURCE_DIR, localesDir: locales, outFile: join(work, 'missing.zip') })).rejects.toThrow(/es\.json has no teamsApp\.nameFull \(for name\.full\)/);
  });
});

describe('package:teams command line', () => {
  const cwd = '/repo';

  it('reads the app id and domain from the environment, with arguments taking precedence', () => {
    expect(optionsFromCli([], { MicrosoftAppId: APP_ID, BOT_DOMAIN: DOMAIN }, cwd)).toEqual({
      appId: APP_ID,
      botDomain: DOMAIN,
      allowPlaceholder: false,
      sourceDir: join(cwd, 'teams-app'),
      localesDir: join(cwd, 'locales'),
      outFile: join(cwd, 'dist', 'teams-app.zip'),
    });
    expect(optionsFromCli(['--app-id', 'x', '--domain=d.example', '--allow-placeholder', '--out', 'o.zip'], { MicrosoftAppId: APP_ID, BOT_DOMAIN: DOMAIN }, cwd)).toMatchObject({
      appId: 'x',
      botDomain: 'd.example',
      allowPlaceholder: true,
      outFile: join(cwd, 'o.zip'),
    });
  });

  it('rejects unknown options and answers --help', () => {
    expect(() => optionsFromCli(['--appid', APP_ID], {}, cwd)).toThrow(/appid/);
    expect(optionsFromCli(['--help'], {}, cwd)).toBe('help');
  });
});
