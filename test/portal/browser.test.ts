/**
 * The help portal in a real browser: the composed app (bot, local Direct Line stand-in, portal)
 * as `npm start` runs it, driven with Debian's Chromium through playwright-core. A person reads
 * the welcome, walks the personal-account path by clicking, files a helpdesk request on the
 * work-account path (a bad number first), does the same with the keyboard alone, and the page
 * passes axe. Nothing may leave the machine: every request to a host other than loopback is
 * aborted and fails the test.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { LANGUAGES, type Language } from '../../locales';
import en from '../../locales/en.json';
import { startBot, type RunningBot } from '../helpers/botServer';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.join(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const BUNDLE = path.join(ROOT, 'public', 'vendor', 'webchat.js');
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // A second wall behind the request guard: names other than loopback do not resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

/** Not the defaults, so the privacy note must come from the running config, not the template. */
const RETENTION = { RETENTION_DAYS: '45', ABANDONED_INTAKE_HOURS: '36', AUDIT_RETENTION_DAYS: '400' };

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

type PortalTexts = typeof en.portal;
const portalTexts = (language: Language) => (language.catalog as unknown as { portal: PortalTexts }).portal;
const catalogText = (language: Language, key: string): string => {
  let node: unknown = language.catalog;
  for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'string') throw new Error(`no ${key} in ${language.tag}`);
  return node;
};

/** Catalog text as a person reads it on the page: no markdown stars, quotes as typed, one space. */
function plain(text: string): string {
  return text
    .replace(/\*\*/g, '')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  // On a developer's machine the suite may be skipped, loudly; in CI (.ci/run installs Chromium)
  // a missing browser is a broken set-up and must not pass as green.
  if (process.env.CI) throw new Error(`${CHROMIUM} not found: .ci/run should have installed Debian's chromium`);
  console.warn(`browser suite SKIPPED: ${CHROMIUM} not found (apt-get install chromium; .ci/run installs it)`);
}
const describeInBrowser = haveChromium ? describe : describe.skip;

/** What one page did that it should not have. */
interface Session {
  page: Page;
  context: BrowserContext;
  offHost: string[];
  problems: string[];
}

/**
 * Runs in the page (plain JavaScript: this project's TypeScript has no DOM types). Reports CSP
 * violations to the console; tells which axe targets are inside Web Chat; describes the focused
 * element and whether its focus is drawn: an outline on it or an ancestor, or one of Web Chat's
 * own focus-indicator elements.
 */
const PAGE_PROBES = `
document.addEventListener('securitypolicyviolation', (e) => console.warn('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));
window.__focused = () => {
  const a = document.activeElement;
  if (!a) return 'none';
  return a.tagName.toLowerCase() + '#' + a.id + ' .' + a.className.toString() + ' "' + (a.textContent || '').trim().slice(0, 60) + '" [' + (a.getAttribute('aria-label') || '') + ']';
};
window.__insideWebChat = (selectors) => selectors.filter((s) => document.querySelector(s)?.closest('#webchat'));
window.__focusShown = () => {
  const drawn = (el) => {
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') return false;
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) return true;
    if (s.boxShadow !== 'none') return true;
    return /focus-indicator/.test(el.className.toString()) && s.borderStyle !== 'none' && parseFloat(s.borderWidth) > 0;
  };
  let el = document.activeElement;
  if (!el || el === document.body) return false;
  for (let depth = 0; el && depth < 4; depth += 1, el = el.parentElement) {
    if (drawn(el) || [...el.querySelectorAll('[class*="focus-indicator"]')].some(drawn)) return true;
  }
  return false;
};
`;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:') return true;
  // blob:http://127.0.0.1:port/uuid belongs to the page's own origin.
  if (parsed.protocol === 'blob:') return isLocal(url.slice('blob:'.length));
  return LOOPBACK.has(parsed.hostname);
}

describeInBrowser(`the help portal in Chromium (${CHROMIUM})`, () => {
  let bot: RunningBot;
  let browser: Browser;
  const sessions: Session[] = [];

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`node scripts/fetch-webchat.mjs\` (npm install does it)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    // startBot is src/app.ts on port 0 in local mode: the portal, the token endpoint and the
    // Direct Line stand-in all come from the composition root, as with `npm start`.
    [bot, browser] = await Promise.all([
      // Every page here comes from one loopback address: more than the default 10 chats a minute.
      startBot({ ...RETENTION, TOKEN_REQUESTS_PER_MINUTE: '200' }),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true }),
    ]);
    const page = await fetch(`${bot.url}/`);
    if (page.status !== 200) throw new Error(`the app does not serve the portal at / (HTTP ${page.status}); is registerPortal wired in src/app.ts?`);
  }, 30_000);

  afterEach(async () => {
    const finished = sessions.splice(0);
    await Promise.all(finished.map((s) => s.context.close()));
    for (const s of finished) {
      expect({ offHost: s.offHost, problems: s.problems }).toEqual({ offHost: [], problems: [] });
    }
  });

  afterAll(async () => {
    await browser?.close();
    await bot?.stop();
  });

  /** A fresh browser context on the portal, guarded; waits for the welcome unless told not to. */
  async function openPortal(
    options: { tokenAnswer?: { status: number; body: unknown }; locale?: string; viewport?: { width: number; height: number }; query?: string; welcome?: string } = {},
  ): Promise<Session> {
    const context = await browser.newContext({ locale: options.locale ?? 'en-GB', viewport: options.viewport ?? { width: 1280, height: 900 }, serviceWorkers: 'block' });
    const session: Session = { page: await context.newPage(), context, offHost: [], problems: [] };
    sessions.push(session);
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      session.offHost.push(url);
      return route.abort('blockedbyclient');
    });
    const { page } = session;
    // Routing does not see WebSockets; the Direct Line stream must be loopback too.
    page.on('websocket', (ws) => {
      if (!isLocal(ws.url())) session.offHost.push(ws.url());
    });
    page.on('pageerror', (error) => session.problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.text().startsWith('CSP violation')) session.problems.push(message.text());
    });
    await page.addInitScript(PAGE_PROBES);
    const { tokenAnswer } = options;
    if (tokenAnswer) {
      await page.route('**/api/directline/token', (route) =>
        route.fulfill({ status: tokenAnswer.status, contentType: 'application/json', body: JSON.stringify(tokenAnswer.body) }),
      );
    }
    await page.goto(`${bot.url}/${options.query ?? ''}`);
    // The first bot message, whatever it says: the tests of each language check its words.
    if (!tokenAnswer) await botSays(page, options.welcome ?? /\S/);
    return session;
  }

  /** Waits for a bot bubble with this text (Web Chat curls quotes, so patterns use ’). */
  async function botSays(page: Page, text: string | RegExp): Promise<void> {
    try {
      await page.locator('.webchat__bubble__content', { hasText: text }).last().waitFor({ timeout: 10_000 });
    } catch {
      const said = await page.locator('.webchat__bubble__content').allInnerTexts();
      const alert = await page.locator('#chat-alert').textContent();
      throw new Error(`the bot never said ${String(text)}; the transcript ends:\n  ${said.slice(-6).join('\n  ')}${alert ? `\nthe page's alert: ${alert}` : ''}`);
    }
  }

  async function type(page: Page, text: string): Promise<void> {
    const input = page.locator('[data-id="webchat-sendbox-input"]');
    await input.fill(text);
    await input.press('Enter');
  }

  const suggested = (page: Page, title: string) =>
    page.locator('.webchat__suggested-actions button.webchat__suggested-action', { hasText: title });

  const activity = (page: Page, text: string) => page.locator('.webchat__basic-transcript__activity', { hasText: text }).last();

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
  }

  test("the Direct Line stand-in answers Web Chat's CORS preflight (routing hides preflights from the browser tests)", async () => {
    const token = (await (await fetch(`${bot.url}/api/directline/token`, { method: 'POST' })).json()) as { domain: string };
    const preflight = await fetch(`${token.domain}/conversations`, {
      method: 'OPTIONS',
      headers: { origin: bot.url, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect([bot.url, '*']).toContain(preflight.headers.get('access-control-allow-origin'));
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  test('no token: the page says so in an alert and shows no chat; the guard catches requests off this machine', async () => {
    // The page shows its own text for the error code, in the page's language, not the server's words.
    const session = await openPortal({ tokenAnswer: { status: 503, body: { error: { code: 'chat_unavailable', message: 'server words' } } } });
    const { page } = session;
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: en.portal.errors.generic }).waitFor();
    expect(await page.locator('#webchat').isHidden()).toBe(true);
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.map((v) => `${v.impact} ${v.id}`)).toEqual([]);

    // The page's CSP stops a script's request to any other host before it leaves...
    const outcome = await page.evaluate<string>("fetch('https://directline.botframework.com/v3/directline/conversations').then(() => 'reached', () => 'blocked')");
    expect(outcome).toBe('blocked');
    // The console message that reports it may arrive just after the fetch settles.
    for (let i = 0; i < 20 && session.problems.length === 0; i += 1) await page.waitForTimeout(50);
    expect(session.problems).toEqual(['CSP violation: connect-src https://directline.botframework.com/v3/directline/conversations']);
    // ...and the test's guard aborts and records what CSP does not govern, such as navigation.
    await page.goto('https://example.com/').catch(() => undefined);
    expect(session.offHost).toEqual(['https://example.com/']);
    session.problems.length = 0;
    session.offHost.length = 0;
  });

  test('welcome, then the personal-account path to its end, by clicking buttons and cards', async () => {
    const { page } = await openPortal();
    await page.locator('#chat-status', { hasText: 'Connected' }).waitFor();

    await type(page, 'I changed my phone and get no codes');
    await botSays(page, 'Which account is it');
    await suggested(page, 'Personal').click();
    await botSays(page, 'What changed?');
    await suggested(page, 'New number, old phone gone').click();
    await botSays(page, 'Can you still sign in to this account another way?');
    await suggested(page, 'Yes').click();
    for (let step = 1; step <= 4; step++) {
      // Each step is a card; earlier cards keep their buttons, so press the one on this step.
      const card = activity(page, `Step ${step} of 4`);
      await card.waitFor();
      await card.locator('button.ac-pushButton', { hasText: 'Done' }).click();
    }
    await botSays(page, 'Did that get you back in?');
    await suggested(page, 'Yes').click();
    await botSays(page, /glad you’re back in/);
    await screenshot(page, 'portal-personal-path.png');
  }, 40_000);

  test('work account: the helpdesk intake refuses a bad number, accepts a good one, and files the request; axe finds nothing serious', async () => {
    const { page } = await openPortal();
    await type(page, 'I changed my phone and get no codes');
    await suggested(page, 'Work or school').click();
    await botSays(page, 'What changed?');
    await suggested(page, 'New number, old phone gone').click();
    await botSays(page, 'Can you still sign in to your work or school account another way?');
    await suggested(page, 'No').click();
    await botSays(page, 'What’s the sign-in address');
    await type(page, 'pat@contoso.com');
    await botSays(page, 'What was your old phone number?');
    await type(page, 'skip');
    await botSays(page, 'What’s your new mobile number?');
    await type(page, '12345');
    await botSays(page, 'That number is too short.');
    await type(page, '+44 7400 123456');
    await suggested(page, 'One-time pass to set up Authenticator').click();

    const summary = activity(page, 'Please check before I send this');
    await summary.waitFor();
    // The read-back shows the person their own new number in full, so they can check it.
    const readBack = await summary.textContent();
    expect(readBack).toContain('+44 7400 123456');

    // With suggested actions and a card on screen: the page itself must be clean; what axe
    // finds inside Web Chat is written out separately, since we cannot change the library.
    const axe = await new AxeBuilder({ page }).analyze();
    const selectors = [...axe.violations, ...axe.incomplete].flatMap((r) => r.nodes.map((n) => String(n.target[0])));
    const inWebChat = new Set(await page.evaluate<string[]>(`window.__insideWebChat(${JSON.stringify(selectors)})`));
    type Rule = (typeof axe.violations)[number];
    const part = (rules: Rule[], webChat: boolean) =>
      rules
        .map((r) => ({ id: r.id, impact: r.impact, help: r.help, nodes: r.nodes.filter((n) => inWebChat.has(String(n.target[0])) === webChat).length }))
        .filter((r) => r.nodes > 0);
    const report = {
      page: { violations: part(axe.violations, false), needsReview: part(axe.incomplete, false) },
      webChat: { violations: part(axe.violations, true), needsReview: part(axe.incomplete, true) },
      passes: axe.passes.length,
    };
    writeFileSync(path.join(ARTIFACTS, 'axe.json'), JSON.stringify(report, null, 2));
    const serious = (rules: { id: string; impact?: string | null }[]) => rules.filter((r) => r.impact === 'serious' || r.impact === 'critical').map((r) => r.id);
    expect(serious(report.page.violations)).toEqual([]);
    expect(serious(report.webChat.violations)).toEqual([]);

    await summary.locator('button.ac-pushButton', { hasText: 'Send it' }).click();
    await botSays(page, /Your reference is HD-[A-Z0-9]{4}-[A-Z0-9]{4}/);
    await screenshot(page, 'portal-work-escalation.png');
  }, 40_000);

  test('keyboard only (Tab, Shift+Tab, Enter and typing): skip link, suggested action, card button, focus always visible', async () => {
    const { page } = await openPortal();
    const { keyboard } = page;

    const focused = () => page.evaluate<string>('window.__focused()');
    const focusShown = () => page.evaluate<boolean>('window.__focusShown()');
    /** Presses Tab (or Shift+Tab) until the focused element matches; every stop must show focus. */
    async function tabTo(target: RegExp, backwards = false): Promise<void> {
      const seen: string[] = [];
      for (let presses = 0; presses < 25; presses += 1) {
        await keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
        const now = await focused();
        seen.push(now);
        if (!now.startsWith('body')) expect({ focus: now, shown: await focusShown() }).toEqual({ focus: now, shown: true });
        if (target.test(now)) return;
      }
      throw new Error(`never reached ${target} with ${backwards ? 'Shift+Tab' : 'Tab'}; focus went: ${seen.join(' → ')}`);
    }
    const typeAndSend = async (text: string) => {
      await keyboard.type(text);
      await keyboard.press('Enter');
    };

    await tabTo(/^a#\s\.skip-link/);
    await keyboard.press('Enter');
    expect(await focused()).toMatch(/^section#chat/);
    await tabTo(/\[Message input box\]/);

    await typeAndSend('I changed my phone and get no codes');
    await botSays(page, 'Which account is it');
    // Typing an answer is as good as its button; the button is shown by the next step.
    await typeAndSend('Work or school');
    await botSays(page, 'What changed?');
    await typeAndSend('old phone gone');
    await botSays(page, 'Can you still sign in to your work or school account another way?');
    await typeAndSend('No');
    await botSays(page, 'What’s the sign-in address');
    // One open request per account: this visitor asks for someone else.
    await typeAndSend('sam@contoso.com');
    await botSays(page, 'What was your old phone number?');
    await typeAndSend('skip');
    await botSays(page, 'What’s your new mobile number?');
    await typeAndSend('+44 7400 123456');

    // A suggested action: back from the message box to the first button, Enter.
    await suggested(page, 'One-time pass to set up Authenticator').waitFor();
    await tabTo(/One-time pass to set up Authenticator/, true);
    await keyboard.press('Enter');

    // A card button: back to the transcript, Enter goes into the newest card, Tab to the button.
    await activity(page, 'Please check before I send this').waitFor();
    await tabTo(/webchat__basic-transcript\b.*\[Chat history/, true);
    await keyboard.press('Enter');
    await tabTo(/ac-pushButton.*"Send it"/);
    await keyboard.press('Enter');
    await botSays(page, /Your reference is HD-[A-Z0-9]{4}-[A-Z0-9]{4}/);
    await screenshot(page, 'portal-keyboard-escalation.png');
  }, 40_000);
  /** What the page says, read the way a person sees it. */
  const pageTexts = (page: Page) =>
    page.evaluate<{ lang: string; title: string; heading: string; privacyHeading: string; privacy: string; retention: string; locale: string; current: string; links: { lang: string; hreflang: string; href: string; text: string }[] }>(`(() => {
      const text = (sel) => (document.querySelector(sel)?.textContent || '').replace(/\\s+/g, ' ').trim();
      return {
        lang: document.documentElement.lang,
        title: document.title,
        heading: text('h1'),
        privacyHeading: text('#privacy-heading'),
        privacy: text('.privacy'),
        retention: text('#retention'),
        locale: document.getElementById('webchat').dataset.locale,
        current: text('nav a[aria-current="page"]'),
        links: [...document.querySelectorAll('nav a')].map((a) => ({ lang: a.lang, hreflang: a.hreflang, href: a.getAttribute('href'), text: a.textContent })),
      };
    })()`);

  /** The privacy note's retention sentence as the page must state it with this suite's settings. */
  const retentionSentence = (language: Language) =>
    plain(
      portalTexts(language)
        .privacyRetention.replace(/\{\{abandonedHours\}\}/g, RETENTION.ABANDONED_INTAKE_HOURS)
        .replace(/\{\{conversationDays\}\}/g, RETENTION.RETENTION_DAYS)
        .replace(/\{\{auditDays\}\}/g, RETENTION.AUDIT_RETENTION_DAYS),
    );

  /** The first words of the welcome, up to the first quote or star (Web Chat's typography). */
  const welcomeStart = (language: Language) => plain(catalogText(language, 'welcome')).split(/['"*]/)[0]!.slice(0, 40);

  async function expectPageIn(page: Page, language: Language, locale: string): Promise<void> {
    const texts = portalTexts(language);
    const seen = await pageTexts(page);
    expect({ lang: seen.lang, title: plain(seen.title), heading: seen.heading, privacyHeading: seen.privacyHeading, current: seen.current, locale: seen.locale }).toEqual({
      lang: language.tag,
      title: plain(texts.title),
      heading: plain(texts.heading),
      privacyHeading: plain(texts.privacyHeading),
      current: texts.languageName,
      locale,
    });
    expect(plain(seen.privacy)).toContain(plain(texts.privacyNever));
    expect(plain(seen.retention)).toBe(retentionSentence(language));
    // Every language is offered, named in its own language, marked as that language.
    expect(seen.links).toEqual(LANGUAGES.map((l) => ({ lang: l.tag, hreflang: l.tag, href: `?lang=${l.tag}`, text: portalTexts(l).languageName })));
  }

  /**
   * The bot starts the conversation in the page's language: a short welcome, the account
   * question and its buttons, before the visitor types anything.
   */
  async function expectFirstMessageIn(page: Page, language: Language): Promise<void> {
    await botSays(page, welcomeStart(language));
    await botSays(page, plain(catalogText(language, 'account.ask')).split(/['"*:(]/)[0]!.slice(0, 30));
    const titles = ['personal', 'work', 'unsure'].map((choice) => catalogText(language, `account.choices.${choice}`));
    for (const title of titles) await suggested(page, title).waitFor({ timeout: 5_000 });
  }

  /** Page violations must be none; inside Web Chat (a library) nothing serious. */
  async function expectAxeClean(page: Page): Promise<void> {
    const axe = await new AxeBuilder({ page }).analyze();
    const selectors = axe.violations.flatMap((r) => r.nodes.map((n) => String(n.target[0])));
    const inWebChat = new Set(await page.evaluate<string[]>(`window.__insideWebChat(${JSON.stringify(selectors)})`));
    const outside = axe.violations.filter((r) => r.nodes.some((n) => !inWebChat.has(String(n.target[0])))).map((r) => `${r.impact} ${r.id}`);
    const seriousInside = axe.violations.filter((r) => r.impact === 'serious' || r.impact === 'critical').map((r) => `${r.impact} ${r.id}`);
    expect({ outside, seriousInside }).toEqual({ outside: [], seriousInside: [] });
  }

  /** Where the chat and its message box are on the first screen. */
  const layout = (page: Page) =>
    page.evaluate<{ chatTop: number; chatBottom: number; sendTop: number; sendBottom: number; introLeft: number; introRight: number; chatLeft: number; introTop: number; scrollY: number }>(`(() => {
      const box = (sel) => document.querySelector(sel).getBoundingClientRect();
      const chat = box('#chat'), send = box('[data-id="webchat-sendbox-input"]'), intro = box('.intro');
      return { chatTop: chat.top, chatBottom: chat.bottom, sendTop: send.top, sendBottom: send.bottom, introLeft: intro.left, introRight: intro.right, chatLeft: chat.left, introTop: intro.top, scrollY: window.scrollY };
    })()`);

  describe.each(LANGUAGES.map((l) => [l.tag, l] as const))('in %s', (_tag, language) => {
    const other = LANGUAGES.find((l) => l.tag !== language.tag) ?? language;

    test('a browser in this language gets the page, the privacy note and the welcome in it; axe passes', async () => {
      const { page } = await openPortal({ locale: language.webChat });
      await expectPageIn(page, language, language.webChat);
      await expectAxeClean(page);
      await screenshot(page, `portal-desktop-${language.tag}.png`);
      await expectFirstMessageIn(page, language);
    }, 40_000);

    test('?lang= wins over the browser; on a phone the chat fills the first screen, its message box on it', async () => {
      const { page } = await openPortal({ locale: other.webChat, query: `?lang=${language.tag}`, viewport: PHONE });
      // The browser speaks another language, so Web Chat gets this language's own tag.
      await expectPageIn(page, language, language.webChat);
      const at = await layout(page);
      expect(at.scrollY).toBe(0);
      expect(at.chatTop).toBeGreaterThanOrEqual(0);
      expect(at.chatTop).toBeLessThan(PHONE.height / 6);
      expect(at.sendTop).toBeGreaterThan(PHONE.height / 2);
      expect(at.sendBottom).toBeLessThanOrEqual(PHONE.height);
      // The explanation follows the chat.
      expect(at.introTop).toBeGreaterThanOrEqual(at.chatBottom);
      // The language links scroll sideways; the current one is in view.
      const current = await page.evaluate<{ left: number; right: number }>(`(() => { const r = document.querySelector('nav a[aria-current]').getBoundingClientRect(); return { left: r.left, right: r.right }; })()`);
      expect(current.left).toBeGreaterThanOrEqual(0);
      expect(current.right).toBeLessThanOrEqual(PHONE.width);
      await page.screenshot({ path: path.join(ARTIFACTS, `portal-phone-${language.tag}.png`) });
      await expectFirstMessageIn(page, language);
    }, 40_000);
  });

  test('a regional browser locale of a page language is kept for Web Chat and the bot (es-MX)', async () => {
    const { page } = await openPortal({ locale: 'es-MX' });
    expect((await pageTexts(page)).locale).toBe('es-MX');
  });

  test('the language switcher works without JavaScript and by keyboard', async () => {
    const [first, second] = LANGUAGES;
    const context = await browser.newContext({ locale: first!.webChat, javaScriptEnabled: false });
    sessions.push({ page: await context.newPage(), context, offHost: [], problems: [] });
    const page = sessions[sessions.length - 1]!.page;
    await page.goto(`${bot.url}/`);
    expect(await page.locator('html').getAttribute('lang')).toBe(first!.tag);
    await page.keyboard.press('Tab'); // the skip link
    const focusedLang = () => page.evaluate<string | null>("document.activeElement.getAttribute('hreflang')");
    for (let i = 0; i < LANGUAGES.length && (await focusedLang()) !== second!.tag; i += 1) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/?lang=${second!.tag}`);
    expect(await page.locator('html').getAttribute('lang')).toBe(second!.tag);
    expect(await page.locator('h1').textContent()).toBe(plain(portalTexts(second!).heading));
    expect(await page.locator('noscript, .chat-alert').count()).toBeGreaterThan(0);
  });

  test('desktop 1280×800: the explanation and the chat side by side, both starting on the first screen', async () => {
    const { page } = await openPortal({ viewport: DESKTOP });
    const at = await layout(page);
    expect(at.chatLeft).toBeGreaterThanOrEqual(at.introRight);
    expect(at.chatTop).toBeLessThan(200);
    expect(at.introTop).toBeLessThan(200);
    expect(at.sendBottom).toBeLessThanOrEqual(DESKTOP.height);
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-desktop-en-first-screen.png') });
  });

  test('one look: card buttons and suggested actions share border, radius, colours; bare domains are text, https links stay links', async () => {
    const { page } = await openPortal({ viewport: PHONE });
    const look = (selector: string) =>
      page.evaluate<Record<string, string>>(`(() => {
        const all = document.querySelectorAll(${JSON.stringify(selector)});
        const s = getComputedStyle(all[all.length - 1]);
        return { border: s.borderTopWidth + ' ' + s.borderTopStyle + ' ' + s.borderTopColor, radius: s.borderTopLeftRadius, color: s.color, background: s.backgroundColor, font: s.fontFamily };
      })()`);

    await type(page, 'I changed my phone and get no codes');
    await botSays(page, 'Which account is it');
    // "Outlook.com" in the question is text, not a link with an icon and a stray space.
    const question = page.locator('.webchat__bubble__content', { hasText: 'Which account is it' }).last();
    expect(await question.locator('a').count()).toBe(0);
    expect(await question.innerText()).toContain('(Outlook.com, Hotmail, Live, Xbox)');
    await suggested(page, 'Personal').waitFor();
    await page.mouse.move(0, 0);
    const suggestedLook = await look('.webchat__suggested-actions button.webchat__suggested-action');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-phone-en-suggested.png') });

    await suggested(page, 'Personal').click();
    await suggested(page, 'New number, old phone gone').click();
    await suggested(page, 'Yes').click();
    const card = activity(page, 'Step 1 of 4');
    await card.waitFor();
    // The pointer rests where the last suggested action was, which may now be over a card
    // button, and a hovered button is shaded: compare them at rest.
    await page.mouse.move(0, 0);
    const cardLook = await look('#webchat button.ac-pushButton');
    expect(cardLook).toEqual(suggestedLook);
    // A link the bot wrote with its scheme stays a link.
    expect(await card.locator('a[href^="https://"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-phone-en-card.png') });
  }, 40_000);
});
