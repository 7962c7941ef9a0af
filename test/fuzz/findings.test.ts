/**
 * Regressions for what the fuzz test found beyond the list, each with the minimal input.
 */
import en from '../../locales/en.json';
import { HttpConversation, readable, startBot, type RunningBot } from '../helpers/botServer';

let bot: RunningBot;
beforeAll(async () => {
  bot = await startBot();
});
afterAll(async () => {
  await bot.stop();
});

describe('an adaptiveCard/action invoke whose value has no action object', () => {
  test.each([
    ['an array', [[]]],
    ['an object without action', { choice: 'done' }],
    ['a null action', { action: null }],
    ['a string', 'x'],
  ])('%s is a 400 that leaves the conversation where it was (it was a 501 that cleared its state)', async (_label, value) => {
    const c = new HttpConversation(bot.url, `fuzz-invoke-${_label}`);
    expect(readable(await c.say('I changed my phone and get no codes'))).toContain(en.start.problemHeard);
    const res = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(c.activity({ type: 'invoke', name: 'adaptiveCard/action', value, deliveryMode: undefined })),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BadActivity');
    // The dialog still waits for the account type: the person's answer is taken, not a fresh start.
    expect(readable(await c.say('Personal'))).toContain(en.personal.canSignIn);
    expect(bot.logs.join('')).not.toContain('"turn failed"');
  });
});
