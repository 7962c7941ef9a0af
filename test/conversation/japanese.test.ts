/**
 * Japanese is written without spaces and with its own punctuation; typed answers must still pick
 * their button ("個人です。" is "Personal"), as they do in the space-separated languages.
 */
import { tokenize } from '../../dialogs/prompts';
import { Conversation } from './harness';

test('Japanese text is split into words, punctuation dropped; other text as botbuilder splits it', () => {
  expect(tokenize('個人です。はい、そうです', 'ja-JP').map((t) => t.text)).toEqual(['個人', 'です', 'はい', 'そう', 'です']);
  const tokens = tokenize('個人です', 'ja-JP');
  expect(tokens.map((t) => '個人です'.slice(t.start, t.end + 1))).toEqual(['個人', 'です']);
  expect(tokenize('Work or school!', 'en-GB').map((t) => t.normalized)).toEqual(['work', 'or', 'school']);
});

describe.each(['webchat', 'msteams'] as const)('%s, ja-JP', (channel) => {
  test.each(['個人です。', '個人用アカウントです', '個人'])('typing %j after the account question picks Personal', async (typed) => {
    const c = new Conversation(channel, 'ja-JP');
    await c.say('こんにちは');
    if (channel === 'msteams') await c.say('いいえ。');
    await c.say(typed);
    expect(c.transcript()).toContain(c.t('diagnosis.ask'));
  });

  test('"はい、そうです。" confirms in Teams; in Web Chat it is not an account kind', async () => {
    const c = new Conversation(channel, 'ja-JP');
    await c.say('こんにちは');
    await c.say('はい、そうです。');
    if (channel === 'msteams') expect(c.transcript()).toContain(c.t('diagnosis.ask'));
    else expect(c.transcript()).not.toContain(c.t('diagnosis.ask'));
  });
});
