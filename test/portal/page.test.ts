/**
 * The portal page template on its own: catalog texts are escaped before **bold** becomes
 * <strong>, every placeholder is filled, and an unknown one fails loudly.
 */
import { CATALOGS, LANGUAGES } from '../../locales';
import { Localizer } from '../../src/core/i18n';
import { acceptedLanguages, catalogHtml, renderPage } from '../../src/portal/page';

const localizer = new Localizer(CATALOGS, 'en');
const retention = { abandonedHours: 12, conversationDays: 7, auditDays: 90 };
const language = { lang: 'en', locale: 'en-GB' };

test('catalog text is escaped first, then **x** is bold', () => {
  expect(catalogHtml('**<b>hi</b>** & "you"')).toBe('<strong>&lt;b&gt;hi&lt;/b&gt;</strong> &amp; &quot;you&quot;');
});

test('Accept-Language: by q, then by position; q=0, * and malformed tags dropped', () => {
  expect(acceptedLanguages('fr;q=0.5, de-AT, es;q=0.9, *;q=0.1, ja;q=0, "><x>, en-US')).toEqual(['de-AT', 'en-US', 'es', 'fr']);
  expect(acceptedLanguages(undefined)).toEqual([]);
});

test('the retention periods and the strings for portal.js are filled; nothing can close the JSON block', () => {
  const html = renderPage(localizer, LANGUAGES, { template: '<p>{{privacyRetention}}</p><script type="application/json">{{strings}}</script>', language, retention });
  expect(html).toContain('<strong>12 hours</strong>');
  expect(html).toContain('<strong>7 days</strong>');
  expect(html).toContain('<strong>90 days</strong>');
  const json = /<script type="application\/json">(.*)<\/script>/.exec(html)![1]!;
  expect(json).not.toMatch(/[<>&]/);
  expect(Object.keys(JSON.parse(json) as object)).toEqual(expect.arrayContaining(['status.connected', 'errors.generic', 'errors.rateLimited']));
});

test('an unknown placeholder throws instead of showing {{…}}', () => {
  expect(() => renderPage(localizer, LANGUAGES, { template: '{{noSuchKey}}', language, retention })).toThrow(/noSuchKey/);
});
