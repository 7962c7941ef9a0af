/**
 * National phone numbers are read in the person's country: the locale's region (fr-CA: CA), else
 * their language's country (fr: FR, de: DE, pt: BR, ja: JP; English and Spanish have none, so
 * the configured DEFAULT_PHONE_COUNTRY or a country code is needed).
 */
import { Conversation, localizer } from './harness';

async function toNewNumber(locale: string): Promise<Conversation> {
  const c = new Conversation('webchat', locale);
  await c.say('hi');
  await c.press('account.choices.work');
  await c.press('diagnosis.choices.old-phone-gone');
  await c.press('choices.no');
  await c.say('ana@contoso.com');
  expect(c.said('intake.askOldNumber')).toBe(true);
  await c.say(localizer.list(c.lang, 'words.skip')[0]!);
  expect(c.said('intake.askNewNumber')).toBe(true);
  return c;
}

test.each([
  ['fr-FR', '06 12 34 56 78', '+33612345678'],
  ['fr', '06 12 34 56 78', '+33612345678'],
  ['de-DE', '0151 23456789', '+4915123456789'],
  ['de', '0151 23456789', '+4915123456789'],
  ['de-AT', '0664 1234567', '+436641234567'],
  ['pt-BR', '(11) 91234-5678', '+5511912345678'],
  ['pt', '(11) 91234-5678', '+5511912345678'],
  ['ja-JP', '090-1234-5678', '+819012345678'],
  ['ja', '090-1234-5678', '+819012345678'],
  ['es-ES', '612 34 56 78', '+34612345678'],
])('%s: the national number %j is read as %s', async (locale, national, e164) => {
  const c = await toNewNumber(locale);
  await c.say(national);
  expect(c.said('intake.askFix')).toBe(true);
  await c.press('intake.fix.temporary-access-pass');
  await c.press('choices.send');
  expect(c.escalations.drafts[0]).toMatchObject({ newMobileE164: e164 });
});

test.each([
  ['es', '612 34 56 78'],
  ['en', '07700 900123'],
])('%s names no country, so a national number needs the country code', async (locale, national) => {
  const c = await toNewNumber(locale);
  await c.say(national);
  expect(c.said('phone.needs_country_code')).toBe(true);
  expect(c.said('intake.askFix')).toBe(false);
});
