import lib = require('libphonenumber-js/max');
import type { CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import {
  countryFromLocale,
  fromGraphPhoneNumber,
  maskPhoneNumber,
  parseMobileNumber,
  toGraphPhoneNumber,
  type PhoneRejection,
} from '../../src/core/phone';

// Test numbers are libphonenumber's own mobile examples, which its metadata is guaranteed to accept
// as MOBILE (or FIXED_LINE_OR_MOBILE for NANP). Ofcom's 07700 900xxx drama range is deliberately
// avoided: the metadata reports it as invalid.
const US = '+12015550123';
const GB = '+447400123456';
const ES = '+34612345678';
const DE = '+4915123456789';
const IN = '+918123456789';
const FR = '+33612345678';

function example(country: CountryCode): string {
  const phone = lib.getExampleNumber(country, examples);
  if (!phone) throw new Error(`libphonenumber has no mobile example for ${country}`);
  return phone.formatInternational();
}

function e164Example(country: CountryCode): string {
  const phone = lib.getExampleNumber(country, examples);
  if (!phone) throw new Error(`libphonenumber has no mobile example for ${country}`);
  return phone.number;
}

describe('test numbers', () => {
  test.each<[CountryCode, string]>([
    ['US', US],
    ['GB', GB],
    ['ES', ES],
    ['DE', DE],
    ['IN', IN],
    ['FR', FR],
  ])('%s constant is the library mobile example', (country, e164) => {
    expect(e164Example(country)).toBe(e164);
    const type = lib.parsePhoneNumberFromString(e164)?.getType();
    expect(['MOBILE', 'FIXED_LINE_OR_MOBILE']).toContain(type);
  });
});

describe('parseMobileNumber accepts what people type', () => {
  // [input, locale the default country comes from, expected E.164]
  test.each<[string, string | undefined, string]>([
    // United States
    ['+1 201 555 0123', undefined, US],
    ['+1 (201) 555-0123', undefined, US],
    ['+1-201-555-0123', undefined, US],
    ['+1.201.555.0123', undefined, US],
    ['+12015550123', undefined, US],
    ['001 201 555 0123', undefined, US],
    ['0012015550123', undefined, US],
    ['(201) 555-0123', 'en-US', US],
    ['201.555.0123', 'en-US', US],
    ['201-555-0123', 'es-US', US],
    ['1 201 555 0123', 'en-US', US],
    ['+1 201 555 0123', 'en-GB', US],
    // United Kingdom
    ['+44 7400 123456', undefined, GB],
    ['+44 (0)7400 123456', undefined, GB],
    ['+44 (0) 7400-123-456', undefined, GB],
    ['+44-7400-123456', undefined, GB],
    ['+44.7400.123.456', undefined, GB],
    ['+447400123456', undefined, GB],
    ['(+44) 7400 123456', undefined, GB],
    ['0044 7400 123456', undefined, GB],
    ['00447400123456', undefined, GB],
    ['00 44 7400 123456', undefined, GB],
    ['(0044) 7400 123456', undefined, GB],
    ['07400 123456', 'en-GB', GB],
    ['07400-123-456', 'en-GB', GB],
    ['07400.123.456', 'en_GB', GB],
    ['(07400) 123456', 'en-GB', GB],
    ['07400123456', 'cy-GB', GB],
    ['447400123456', 'en-GB', GB],
    ['+44 7400123456', undefined, GB], // Graph form typed back
    // Spain
    ['+34 612 34 56 78', undefined, ES],
    ['+34 612-345-678', undefined, ES],
    ['+34.612.34.56.78', undefined, ES],
    ['0034 612345678', undefined, ES],
    ['612 34 56 78', 'es-ES', ES],
    ['612345678', 'es-es', ES],
    ['612-34-56-78', 'ca-ES', ES],
    // Germany
    ['+49 1512 3456789', undefined, DE],
    ['+49 (0)151 23456789', undefined, DE],
    ['+49-151-234-567-89', undefined, DE],
    ['0049 151 234 567 89', undefined, DE],
    ['0151 23456789', 'de-DE', DE],
    ['0151/23456789', 'de-DE', DE],
    ['(0151) 234 567 89', 'de-DE', DE],
    ['0151-234-567-89', 'de_DE', DE],
    // India
    ['+91 81234 56789', undefined, IN],
    ['+91-8123456789', undefined, IN],
    ['+91 (812) 345 6789', undefined, IN],
    ['0091 81234 56789', undefined, IN],
    ['081234 56789', 'en-IN', IN],
    ['81234 56789', 'hi-IN', IN],
    ['8123-456-789', 'en-IN', IN],
    // France
    ['+33 6 12 34 56 78', undefined, FR],
    ['+33 (0)6 12 34 56 78', undefined, FR],
    ['+33.6.12.34.56.78', undefined, FR],
    ['0033 6 12 34 56 78', undefined, FR],
    ['06 12 34 56 78', 'fr-FR', FR],
    ['06.12.34.56.78', 'fr-FR', FR],
    ['06-12-34-56-78', 'fr_FR', FR],
    ['0612345678', 'fr-FR', FR],
  ])('%j (locale %s) -> %s', (input, locale, e164) => {
    const result = parseMobileNumber(input, { defaultCountry: countryFromLocale(locale) });
    expect(result).toEqual({ ok: true, phone: expect.objectContaining({ e164 }) });
  });

  test.each<[string, string, string | undefined, string]>([
    ['surrounding text', 'my new number is +44 7400 123456', undefined, GB],
    ['surrounding text, national', 'It is 07400 123456 now, thanks', 'GB', GB],
    ['surrounding text, 00 prefix', 'new phone: 0034 612 34 56 78!', undefined, ES],
    ['trailing full stop', 'Mein neues Handy: +49 1512 3456789.', undefined, DE],
    ['full-width digits', '＋４４ ７４００ １２３４５６', undefined, GB],
    ['full-width national', '０７４００ １２３４５６', 'GB', GB],
    ['non-breaking spaces', '+44\u00a07400\u00a0123456', undefined, GB],
    ['narrow no-break spaces', '+33\u202f6\u202f12\u202f34\u202f56\u202f78', undefined, FR],
    ['tabs and newlines', '\t+1 201\n555 0123\r\n', undefined, US],
    ['bidi marks from RTL text', '\u200e+44 7400 123456\u200f', undefined, GB],
    ['Arabic-Indic digits', '٠٠٤٤٧٤٠٠١٢٣٤٥٦', undefined, GB],
    ['Devanagari digits', '+९१ ८१२३४ ५६७८९', undefined, IN],
    ['Persian digits', '۰۰۳۴ ۶۱۲ ۳۴ ۵۶ ۷۸', undefined, ES],
    ['Bengali digits, national', '০৮১২৩৪ ৫৬৭৮৯', 'IN', IN],
    ['unicode dashes', '+49\u2013151\u20122345\u20116789', undefined, DE],
    ['lower-case default country', '07400 123456', 'gb', GB],
    ['a "00" group inside the number is not a prefix', '+34 612 00 45 67', undefined, '+34612004567'],
    ['same number twice in different formats', '+44 7400 123456 or 07400 123456', undefined, GB],
    ['same number twice', '+44 7400 123456, +44 7400 123456', undefined, GB],
    ['digits that are not a number', 'call me after 5pm on +44 7400 123456', 'GB', GB],
    ['whitespace around input within the limit', `${' '.repeat(200)}+44 7400 123456${' '.repeat(200)}`, undefined, GB],
  ])('%s: %j', (_name, input, defaultCountry, e164) => {
    const result = parseMobileNumber(input, { defaultCountry });
    expect(result).toEqual({ ok: true, phone: expect.objectContaining({ e164 }) });
  });

  test.each<[string, { e164: string; country: string; graph: string; masked: string }]>([
    ['+1 (201) 555-0123', { e164: US, country: 'US', graph: '+1 2015550123', masked: '+1 ••••••••23' }],
    ['+44 7400 123456', { e164: GB, country: 'GB', graph: '+44 7400123456', masked: '+44 ••••••••56' }],
    ['+34 612 34 56 78', { e164: ES, country: 'ES', graph: '+34 612345678', masked: '+34 •••••••78' }],
    ['+49 1512 3456789', { e164: DE, country: 'DE', graph: '+49 15123456789', masked: '+49 •••••••••89' }],
    ['+91 81234 56789', { e164: IN, country: 'IN', graph: '+91 8123456789', masked: '+91 ••••••••89' }],
    ['+33 6 12 34 56 78', { e164: FR, country: 'FR', graph: '+33 612345678', masked: '+33 •••••••78' }],
    ['+44 7624 123456', { e164: '+447624123456', country: 'IM', graph: '+44 7624123456', masked: '+44 ••••••••56' }],
  ])('%j gives every representation', (input, phone) => {
    expect(parseMobileNumber(input)).toEqual({ ok: true, phone });
  });

  test('accepts a valid number whose type the metadata cannot tell (FIXED_LINE_OR_MOBILE)', () => {
    expect(lib.parsePhoneNumberFromString(US)?.getType()).toBe('FIXED_LINE_OR_MOBILE');
    expect(parseMobileNumber(US).ok).toBe(true);
  });
});

describe('parseMobileNumber rejects with a reason and an example', () => {
  // [input, default country, reason, country whose example is expected]
  test.each<[string, string | undefined, PhoneRejection, CountryCode]>([
    ['', undefined, 'empty', 'GB'],
    ['   ', 'FR', 'empty', 'FR'],
    ['\u00a0\t\n', undefined, 'empty', 'GB'],
    ['\u200b\u200e', undefined, 'empty', 'GB'], // zero-width space and a bidi mark
    ['hello', undefined, 'not_a_number', 'GB'],
    ['I have no idea what my number is', 'DE', 'not_a_number', 'DE'],
    ['-', undefined, 'not_a_number', 'GB'],
    ['+', undefined, 'not_a_number', 'GB'],
    ['( ) - .', 'ES', 'not_a_number', 'ES'],
    ['07400 123456', undefined, 'needs_country_code', 'GB'],
    ['612 34 56 78', undefined, 'needs_country_code', 'GB'],
    ['my number is 0151 23456789', undefined, 'needs_country_code', 'GB'],
    ['07400 123456', 'XX', 'needs_country_code', 'GB'], // unknown default country is ignored
    ['+999 1234567', undefined, 'invalid_country', 'GB'],
    ['00999 1234 5678', 'IN', 'invalid_country', 'IN'],
    ['+44 12', undefined, 'too_short', 'GB'],
    ['+34 612', 'GB', 'too_short', 'ES'],
    ['+1 201 555', undefined, 'too_short', 'US'],
    ['12', 'GB', 'too_short', 'GB'],
    ['12', undefined, 'too_short', 'GB'],
    ['123', undefined, 'too_short', 'GB'],
    ['+44 7400 1234567', undefined, 'too_long', 'GB'],
    ['+49 1512 3456789 123456', 'FR', 'too_long', 'FR'],
    ['+44 7400123456789012345', undefined, 'too_long', 'GB'],
    ['123456789012345678901', undefined, 'too_long', 'GB'],
    ['+1234567890123456789', undefined, 'too_long', 'GB'],
    ['x'.repeat(65), 'ES', 'too_long', 'ES'],
    ['my new mobile number is +44 7400 123456, thank you for your help!', undefined, 'too_long', 'GB'],
    ['+44 5123 456789', undefined, 'invalid', 'GB'],
    ['+1 555 555 1234', undefined, 'invalid', 'US'],
    ['+44 7700 900123', undefined, 'invalid', 'GB'], // Ofcom drama range: not a real number
    ['my new number is +44 7400 123456 or +44 7400 123457', undefined, 'invalid', 'GB'],
    ['+447400123456+447400123457', undefined, 'invalid', 'GB'],
    ['+44 7400 123456, not 07400 999999', undefined, 'invalid', 'GB'],
    ['0044 7400 123456 or 0044 7400 123457', undefined, 'invalid', 'GB'],
    ['06 12 34 56 78 / 06 12 34 56 79', 'FR', 'invalid', 'FR'],
    ['+44 20 7946 0958', undefined, 'not_mobile', 'GB'], // fixed line
    ['+44 800 123 4567', undefined, 'not_mobile', 'GB'], // toll free
    ['+44 9098 790000', undefined, 'not_mobile', 'GB'], // premium rate
    ['+1 800 555 1234', undefined, 'not_mobile', 'US'], // toll free
    ['+1 900 555 0123', undefined, 'not_mobile', 'US'], // premium rate
    ['01 23 45 67 89', 'FR', 'not_mobile', 'FR'], // fixed line
    ['030 1234567', 'DE', 'not_mobile', 'DE'], // fixed line
    ['+34 912 34 56 78', undefined, 'not_mobile', 'ES'], // fixed line
    ['+91 11 2345 6789', undefined, 'not_mobile', 'IN'], // fixed line
    ['+44 7400 123456 ext 12', undefined, 'has_extension', 'GB'],
    ['+1 2015550123x123', undefined, 'has_extension', 'US'],
    ['+1 5555551234x123', undefined, 'has_extension', 'US'], // Graph's extension form
    ['+1 201-555-0123 ext. 45', undefined, 'has_extension', 'US'],
    ['+1 201 555 0123 #45', undefined, 'has_extension', 'US'],
    ['07400 123456 extension 7', 'GB', 'has_extension', 'GB'],
  ])('%j (default %s) -> %s', (input, defaultCountry, reason, exampleCountry) => {
    expect(parseMobileNumber(input, { defaultCountry })).toEqual({
      ok: false,
      reason,
      example: example(exampleCountry),
    });
  });

  test('the example is formatted INTERNATIONAL', () => {
    expect(parseMobileNumber('')).toEqual({ ok: false, reason: 'empty', example: '+44 7400 123456' });
  });

  describe('1 MB of input', () => {
    const megabyte = 1024 * 1024;
    const parserEntryPoints = [
      'searchPhoneNumbersInText',
      'parsePhoneNumberWithError',
      'parsePhoneNumberFromString',
      'validatePhoneNumberLength',
    ] as const;
    let spies: jest.SpiedFunction<(typeof lib)[(typeof parserEntryPoints)[number]]>[] = [];
    beforeAll(() => {
      spies = parserEntryPoints.map((name) => jest.spyOn(lib, name));
    });
    afterAll(() => spies.forEach((s) => s.mockRestore()));
    beforeEach(() => spies.forEach((s) => s.mockClear()));

    test.each<[string, string]>([
      ['digits', '1'.repeat(megabyte)],
      ['a valid number followed by padding', `+44 7400 123456 ${'x'.repeat(megabyte)}`],
      ['a valid number preceded by padding', `${'a'.repeat(megabyte)} +44 7400 123456`],
    ])('%s is too_long and never reaches the parser', (_name, input) => {
      expect(parseMobileNumber(input)).toEqual({ ok: false, reason: 'too_long', example: example('GB') });
      spies.forEach((s) => expect(s).not.toHaveBeenCalled());
    });
  });
});

describe('same_as_old', () => {
  test.each<[string, string | undefined, readonly string[]]>([
    ['+44 7400 123456', undefined, [GB]],
    ['+44 7400 123456', undefined, ['+44 7400123456']],
    ['07400 123456', 'GB', ['+44 7400123456']],
    ['0044 7400 123456', undefined, ['+1 2015550123', GB]],
    ['+1 (201) 555-0123', undefined, [US]],
    ['201 555 0123', 'US', ['+1 2015550123']],
    ['+1 201 555 0123', undefined, ['+1 2015550123x12']], // same line, old one had an extension
    ['06 12 34 56 78', 'FR', ['+33 612345678']],
    ['+49 1512 3456789', undefined, [' +4915123456789 ']],
  ])('%j (default %s) with old %j', (input, defaultCountry, oldNumbers) => {
    const result = parseMobileNumber(input, { defaultCountry, oldNumbers });
    expect(result).toMatchObject({ ok: false, reason: 'same_as_old' });
  });

  test.each<[string, readonly string[]]>([
    ['+44 7400 123456', ['+447400123457', '+44 7400123457']],
    ['+44 7400 123456', ['+14407400123456' /* not the same number */]],
    ['+44 7400 123456', ['', 'garbage', 'x'.repeat(100_000)]],
    ['+44 7400 123456', []],
  ])('%j differs from old %j', (input, oldNumbers) => {
    expect(parseMobileNumber(input, { oldNumbers })).toMatchObject({ ok: true });
  });
});

describe('Graph phone number format', () => {
  test.each<[string, string]>([
    [US, '+1 2015550123'],
    [GB, '+44 7400123456'],
    [ES, '+34 612345678'],
    [DE, '+49 15123456789'],
    [IN, '+91 8123456789'],
    [FR, '+33 612345678'],
    ['+393123456789', '+39 3123456789'], // Italy
    ['+390612345678', '+39 0612345678'], // Italy keeps its leading zero
    ['+61412345678', '+61 412345678'], // Australia
    ['+5511961234567', '+55 11961234567'], // Brazil
    ['+819012345678', '+81 9012345678'], // Japan
    ['+79123456789', '+7 9123456789'], // Russia
    ['+971501234567', '+971 501234567'], // three-digit calling code
    ['+15555551234', '+1 5555551234'], // Microsoft's documentation example; format only
    ['+447700900123', '+44 7700900123'],
  ])('%s <-> %j', (e164, graph) => {
    expect(toGraphPhoneNumber(e164)).toBe(graph);
    expect(fromGraphPhoneNumber(graph)).toBe(e164);
    expect(toGraphPhoneNumber(fromGraphPhoneNumber(graph) ?? '')).toBe(graph);
  });

  test.each<CountryCode>(['US', 'GB', 'ES', 'DE', 'IN', 'FR', 'IT', 'MX', 'BR', 'JP', 'CN', 'ZA', 'AE'])(
    'parse result for %s example is in Graph format and round-trips',
    (country) => {
      const result = parseMobileNumber(example(country));
      if (!result.ok) throw new Error(`example for ${country} rejected: ${result.reason}`);
      expect(result.phone.graph).toMatch(/^\+[1-9]\d{0,2} \d+$/);
      expect(fromGraphPhoneNumber(result.phone.graph)).toBe(result.phone.e164);
      expect(toGraphPhoneNumber(result.phone.e164)).toBe(result.phone.graph);
    },
  );

  test.each([
    '447400123456',
    '+44 7400123456',
    '+4407400123456', // trunk zero is not part of E.164
    '+9991234567', // no such calling code
    '+1234567890123456', // 16 digits
    '+',
    '',
    ' +447400123456',
    '+447400123456x12',
  ])('toGraphPhoneNumber(%j) throws without echoing the input', (input) => {
    expect(() => toGraphPhoneNumber(input)).toThrow(/^Not an E\.164 phone number$/);
  });

  test.each([
    '+1 5555551234x123', // extension form: deliberately not supported
    '+447400123456', // E.164, not Graph
    '+44  7400123456',
    '+44 7400 123456',
    '+4 47400123456', // digits of a +44 number split at the wrong place
    '+999 1234567',
    '44 7400123456',
    '+44-7400123456',
    '+44 ',
    '',
    'garbage',
    `+44 ${'1'.repeat(100_000)}`,
  ])('fromGraphPhoneNumber(%j) is undefined', (input) => {
    expect(fromGraphPhoneNumber(input)).toBeUndefined();
  });
});

describe('maskPhoneNumber', () => {
  /**
   * Digits after the calling code: only the last two subscriber digits may appear, and none at all
   * when the subscriber number is so short (Tokelau: 4 digits) that two would be half of it.
   */
  function expectMasked(masked: string, e164: string): void {
    const phone = lib.parsePhoneNumberFromString(e164);
    if (!phone) throw new Error(`unparseable test number ${e164}`);
    const prefix = `+${phone.countryCallingCode} `;
    const nsn = phone.nationalNumber;
    const visible = nsn.length > 4 ? nsn.slice(-2) : '';
    expect(masked.startsWith(prefix)).toBe(true);
    const rest = masked.slice(prefix.length);
    expect(rest.replace(/\D/g, '')).toBe(visible);
    expect(rest).toBe('•'.repeat(nsn.length - visible.length) + visible);
  }

  test.each<[string, string]>([
    [GB, '+44 ••••••••56'],
    ['+44 7400123456', '+44 ••••••••56'],
    ['+447700900123', '+44 ••••••••23'],
    ['+44 7700900123', '+44 ••••••••23'],
    [US, '+1 ••••••••23'],
    ['+1 5555551234', '+1 ••••••••34'],
    [ES, '+34 •••••••78'],
    ['+34 612345678', '+34 •••••••78'],
    [DE, '+49 •••••••••89'],
    [IN, '+91 ••••••••89'],
    [FR, '+33 •••••••78'],
    ['+971501234567', '+971 •••••••67'],
    ['+6907290', '+690 ••••'], // Tokelau: too short to show any digits
    ['+4412', '+44 ••'], // E.164-shaped though not a real number
  ])('%j -> %j', (input, masked) => {
    expect(maskPhoneNumber(input)).toBe(masked);
    expectMasked(masked, input.replace(' ', ''));
  });

  test('every country example, in both forms, shows only the calling code and last two digits', () => {
    for (const country of lib.getCountries()) {
      const e164 = e164Example(country);
      expectMasked(maskPhoneNumber(e164), e164);
      expectMasked(maskPhoneNumber(toGraphPhoneNumber(e164)), e164);
    }
  });

  test.each<[string, string]>([
    ['garbage 123456789', '••••89'],
    ['+1 5555551234x123', '••••23'],
    ['07400 123456', '••••56'],
    ['+44 7400 123456', '••••56'],
    ['12', '••••'],
    ['1234', '••••'],
    ['', '••••'],
    ['no digits at all', '••••'],
    ['1'.repeat(1024 * 1024), '••••11'],
  ])('unparseable %j -> %j', (input, masked) => {
    expect(maskPhoneNumber(input)).toBe(masked);
  });

  test.each<[string, string | undefined]>([
    ['+44 7400 123456', undefined],
    ['+1 (201) 555-0123', undefined],
    ['0151 23456789', 'DE'],
    ['081234 56789', 'IN'],
    ['06 12 34 56 78', 'FR'],
  ])('ParsedMobile.masked for %j shows only the last two subscriber digits', (input, defaultCountry) => {
    const result = parseMobileNumber(input, { defaultCountry });
    if (!result.ok) throw new Error(`${input} rejected: ${result.reason}`);
    expectMasked(result.phone.masked, result.phone.e164);
  });
});

describe('countryFromLocale', () => {
  test.each<[string | undefined, string | undefined]>([
    ['en-GB', 'GB'],
    ['es-es', 'ES'],
    ['es_MX', 'MX'],
    ['EN-us', 'US'],
    ['fr-CA', 'CA'],
    ['zh-Hant-TW', 'TW'],
    ['sr_Latn_RS', 'RS'],
    ['en-US-u-ca-gregory', 'US'],
    ['en_GB.UTF-8', 'GB'],
    ['de_DE@euro', 'DE'],
    [' en-IN ', 'IN'],
    ['en', undefined],
    ['es-419', undefined],
    ['zh-Hant', undefined],
    ['en-UK', undefined], // not an ISO 3166 code
    ['en-ZZ', undefined],
    ['GB', undefined],
    ['garbage', undefined],
    ['en-GBR', undefined],
    ['', undefined],
    [undefined, undefined],
    ['x'.repeat(100_000), undefined],
  ])('%j -> %s', (locale, country) => {
    expect(countryFromLocale(locale)).toBe(country);
  });
});
