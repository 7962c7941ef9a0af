import { MemoryStorage } from 'botbuilder';
import type { EscalationDraft } from '../../src/core/ports';
import { FixedClock, RecordingLog } from '../fakes/ports';
import { isReference } from '../../src/core/reference';
import { escalationKey, StoredEscalations } from '../../src/infra/escalationLog';

const NEW_MOBILE = '+447400123456';
const OLD_MOBILE = '+12015550123';

function draft(overrides: Partial<EscalationDraft> = {}): EscalationDraft {
  return {
    channelId: 'msteams',
    assurance: 'teams-verified',
    requesterObjectId: '11111111-2222-3333-4444-555555555555',
    targetSignInAddress: 'jo.bloggs@contoso.com',
    newMobileE164: NEW_MOBILE,
    oldMobileE164: OLD_MOBILE,
    fix: 'replace-mobile',
    locale: 'en-GB',
    replyTo: {
      channelId: 'msteams',
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      conversationId: 'a:1conversation',
      userId: '29:1user',
      botId: '28:bot',
      tenantId: 'tenant-1',
    },
    ...overrides,
  };
}

function setup() {
  const storage = new MemoryStorage();
  const log = new RecordingLog();
  const clock = new FixedClock(new Date('2025-03-14T09:26:53.589Z'));
  return { storage, log, clock, escalations: new StoredEscalations(storage, log, clock) };
}

describe('StoredEscalations', () => {
  test('submit returns a valid reference and delivery "recorded"', async () => {
    const { escalations } = setup();
    const receipt = await escalations.submit(draft());
    expect(isReference(receipt.reference)).toBe(true);
    expect(receipt.delivery).toBe('recorded');
  });

  test.each<[string, Partial<EscalationDraft>]>([
    ['a verified Teams request for a typed address', {}],
    ['a web request without an old number', { channelId: 'webchat', assurance: 'unverified', oldMobileE164: undefined, requesterObjectId: undefined }],
    ['a Teams request for the signed-in account', { targetSignInAddress: undefined, targetObjectId: 'obj-9', fix: 'temporary-access-pass' }],
  ])('the record keeps every draft field and the clock time (%s)', async (_case, overrides) => {
    const { escalations, storage } = setup();
    const given = draft(overrides);
    const { reference } = await escalations.submit(given);
    const stored = await escalations.get(reference);
    // Absent optional fields stay absent (the store keeps JSON, which has no undefined).
    const defined = JSON.parse(JSON.stringify(given)) as EscalationDraft;
    expect(stored).toMatchObject({ ...defined, reference, state: 'recorded', createdAt: '2025-03-14T09:26:53.589Z' });
    for (const [key, value] of Object.entries(given)) if (value === undefined) expect(stored?.[key as keyof EscalationDraft]).toBeUndefined();
    // It lives under its own key in the shared store.
    const raw = await storage.read([escalationKey(reference)]);
    expect(raw[escalationKey(reference)]).toMatchObject({ reference, newMobileE164: given.newMobileE164 });
  });

  test('createdAt follows the clock', async () => {
    const { escalations, clock } = setup();
    clock.current = new Date('2031-12-31T23:59:59.000Z');
    const { reference } = await escalations.submit(draft());
    expect((await escalations.get(reference))?.createdAt).toBe('2031-12-31T23:59:59.000Z');
  });

  test('an unknown reference reads as undefined', async () => {
    const { escalations } = setup();
    await escalations.submit(draft());
    expect(await escalations.get('HD-0000-0000')).toBeUndefined();
  });

  test('the log line has the reference and the masked number, never the full numbers', async () => {
    const { escalations, log } = setup();
    const { reference } = await escalations.submit(draft());
    expect(log.lines).toHaveLength(1);
    const [line] = log.lines;
    expect(line?.level).toBe('info');
    expect(line?.obj).toMatchObject({ reference, channelId: 'msteams', assurance: 'teams-verified', fix: 'replace-mobile', newMobile: '+44 ••••••••56' });
    const text = JSON.stringify(log.lines);
    expect(text).not.toContain(NEW_MOBILE);
    expect(text).not.toContain(NEW_MOBILE.slice(1));
    expect(text).not.toContain(OLD_MOBILE.slice(1));
    expect(text).not.toMatch(/\d{7,}/);
  });

  test('the log line does not carry the person\'s address or ids', async () => {
    const { escalations, log } = setup();
    await escalations.submit(draft());
    const text = JSON.stringify(log.lines);
    expect(text).not.toContain('jo.bloggs@contoso.com');
    expect(text).not.toContain('11111111-2222-3333-4444-555555555555');
  });

  test('two submits get different references and both records', async () => {
    const { escalations } = setup();
    const first = await escalations.submit(draft());
    const second = await escalations.submit(draft({ newMobileE164: '+34612345678' }));
    expect(first.reference).not.toBe(second.reference);
    expect((await escalations.get(first.reference))?.newMobileE164).toBe(NEW_MOBILE);
    expect((await escalations.get(second.reference))?.newMobileE164).toBe('+34612345678');
  });

  test('a storage failure reaches the caller and logs nothing as recorded', async () => {
    const log = new RecordingLog();
    const failing = new MemoryStorage();
    failing.write = async () => {
      throw new Error('disk full');
    };
    const escalations = new StoredEscalations(failing, log, new FixedClock(new Date('2025-01-01T00:00:00Z')));
    await expect(escalations.submit(draft())).rejects.toThrow('disk full');
    expect(log.lines).toEqual([]);
  });
});
