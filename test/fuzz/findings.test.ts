/**
 * Regressions for what the fuzz test found beyond the list, each with the minimal input.
 */
import { AnswerPrompt } from '../../dialogs/prompts';
import en from '../../locales/en.json';
import fr from '../../locales/fr.json';
import { HttpConversation, readable, startBot, type RunningBot } from '../helpers/botServer';

let bot: RunningBot;
beforeAll(async () => {
  bot = await startBot();
});
afterAll(async () => {
  await bot.stop();
});

/** Posts an invoke into the conversation (answered over HTTP, not expectReplies): its status and error code. */
async function postInvoke(c: HttpConversation, name: string, value: unknown): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(c.activity({ type: 'invoke', name, value, deliveryMode: undefined })),
  });
  return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code };
}

/**
 * A conversation at the account question gets an invoke botbuilder would have failed on: it is a
 * 400 and the dialog still waits for the answer (`answer`: the person's reply there), not a fresh
 * start. It was a 501 that cleared the conversation's state.
 */
async function refusedInvokeKeepsItsPlace(c: HttpConversation, name: string, value: unknown, answer: string): Promise<void> {
  expect(readable(await c.say('I changed my phone and get no codes'))).toContain(en.start.problemHeard);
  expect(await postInvoke(c, name, value)).toEqual({ status: 400, code: 'BadActivity' });
  expect(readable(await c.say(answer))).toContain(en.diagnosis.ask);
  expect(bot.logs.join('')).not.toContain('"turn failed"');
}

describe('an adaptiveCard/action invoke whose value has no action object', () => {
  test.each([
    ['an array', [[]]],
    ['an object without action', { choice: 'done' }],
    ['a null action', { action: null }],
    ['a string', 'x'],
    ['an action type that cannot be turned into text', { action: { type: { toString: null }, verb: 'approve' }, trigger: {} }],
    ['an action type that is a number', { action: { type: 7, verb: 'approve' } }],
    ['a verb that is an object', { action: { type: 'Action.Execute', verb: { x: 1 } } }],
  ])('%s is a 400 that leaves the conversation where it was (it was a 501 that cleared its state)', async (label, value) => {
    await refusedInvokeKeepsItsPlace(new HttpConversation(bot.url, `fuzz-invoke-${label}`), 'adaptiveCard/action', value, 'Personal');
  });
});

describe('an application/search invoke from Teams whose value is not an object', () => {
  // botbuilder fills in `value.kind` for Teams search invokes; on a string or a number that
  // assignment threw inside the turn, and the caller got a bare 501 (fuzz seed 1510945623, case 19351).
  test.each([
    ['a string', 'x'],
    ['a number', 7],
    ['true', true],
  ])('%s is a 400 that leaves the conversation where it was', async (label, value) => {
    // In Teams the account question is a yes/no confirmation.
    await refusedInvokeKeepsItsPlace(new HttpConversation(bot.url, `fuzz-search-${label}`, 'msteams'), 'application/search', value, 'Yes');
  });

  test('with an object value it is still answered as a search the bot does not support', async () => {
    const c = new HttpConversation(bot.url, 'fuzz-search-object', 'msteams');
    const value = { queryText: 'ana', kind: 'search', dataset: 'x' };
    expect(await postInvoke(c, 'application/search', value)).toEqual({ status: 400, code: 'InvokeNotSupported' });
  });
});

describe('a caller-chosen locale cannot make the server build recognisers for another language', () => {
  // Building fr-FR's number and ordinal recognisers blocked the event loop 3-8 s (once per
  // process and language), so one request with `locale: fr-FR` stalled every conversation.
  const cultureOf = (locale: string): string =>
    (new AnswerPrompt('probe', 3) as unknown as { determineCulture(activity: { locale: string }): string }).determineCulture({ locale });

  test.each([
    ['fr-FR', 'en-us'],
    ['de-DE', 'en-us'],
    ['ja-JP', 'en-us'],
    ['it-IT', 'en-us'],
    ['pt-BR', 'en-us'],
    ['zh-CN', 'en-us'],
    ['en-GB', 'en-us'],
    ['es-MX', 'es-es'],
    ['es', 'es-es'],
  ])('%s is recognised as %s', (locale, culture) => {
    expect(cultureOf(locale)).toBe(culture);
  });

  test('a French visitor gets through a choice prompt over HTTP in French (recognised by the catalog\'s words, not French recognisers)', async () => {
    const c = new HttpConversation(bot.url, 'fuzz-locale-fr', 'webchat', { locale: 'fr-FR' });
    expect(readable(await c.say('bonjour'))).toContain(fr.account.ask.slice(0, 20));
    expect(readable(await c.say(fr.account.choices.personal))).toContain(fr.diagnosis.ask.slice(0, 20));
    expect(cultureOf('fr-FR')).toBe('en-us');
  });

  test('a visitor in a language the bot does not speak gets through in the default language', async () => {
    const c = new HttpConversation(bot.url, 'fuzz-locale-it', 'webchat', { locale: 'it-IT' });
    expect(readable(await c.say('I changed my phone and get no codes'))).toContain(en.start.problemHeard);
    expect(readable(await c.say('Personal'))).toContain(en.diagnosis.ask);
  });

  test('a very long typed answer at a choice prompt is a miss, not seconds of number recognition', async () => {
    const c = new HttpConversation(bot.url, 'fuzz-long-answer');
    await c.say('I changed my phone and get no codes');
    const replies = readable(await c.say(`Personal ${'1 '.repeat(999)}`));
    expect(replies).not.toContain(en.diagnosis.ask);
    // The dialog is still at the account question: a short answer is taken.
    expect(readable(await c.say('Personal'))).toContain(en.diagnosis.ask);
  });
});
