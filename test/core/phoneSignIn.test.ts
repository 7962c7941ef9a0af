import { phoneIsAFix, phoneSignIn, SMS_VOICE_RETIREMENT } from '../../src/core/phoneSignIn';

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('phone sign-in for work and school accounts, by date and operator setting', () => {
  test.each([
    ['microsoft', '2026-12-02', { works: true, retiring: true }],
    ['microsoft', '2027-01-31', { works: true, retiring: true }],
    ['microsoft', '2027-02-01', { works: false, reason: 'retired' }],
    ['microsoft', '2027-08-01', { works: false, reason: 'retired' }],
    ['own-provider', '2026-12-02', { works: true, retiring: false }],
    ['own-provider', '2027-03-15', { works: true, retiring: false }],
    ['off', '2026-12-02', { works: false, reason: 'off' }],
    ['off', '2027-03-15', { works: false, reason: 'off' }],
  ] as const)('%s on %s', (setting, date, expected) => {
    expect(phoneSignIn(setting, day(date))).toMatchObject(expected);
    expect(phoneIsAFix(setting, day(date))).toBe(expected.works);
  });

  test('the retirement date is the first moment of 1 February 2027, UTC', () => {
    expect(phoneSignIn('microsoft', new Date(SMS_VOICE_RETIREMENT.getTime() - 1)).works).toBe(true);
    expect(phoneSignIn('microsoft', SMS_VOICE_RETIREMENT).works).toBe(false);
  });
});
