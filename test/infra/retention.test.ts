/**
 * The retention sweep on the stores whose write times a test can set (memory and SQLite take a
 * clock); Blob's listing is covered by the storage contract. A clock moved by hand stands for
 * the passing days.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryStorage, type Storage, type StoreItem } from 'botbuilder';
import { applyEvent, newTicket, type TicketEvent } from '../../src/core/tickets';
import { LocalMemoryStorage } from '../../src/infra/localMemoryStorage';
import { RetentionSweep, type RetentionSettings } from '../../src/infra/retention';
import { SqliteStorage } from '../../src/infra/sqliteStorage';
import { auditKey, StoredAudit } from '../../src/infra/storedAudit';
import { conversationTicketsKey, TICKET_INDEX_KEY, ticketKey, TicketStore, type TicketIndex } from '../../src/infra/ticketStore';
import { FixedClock, RecordingLog } from '../fakes/ports';

const START = new Date('2025-06-01T10:00:00.000Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const SETTINGS: RetentionSettings = { days: 30, abandonedIntakeHours: 24, auditDays: 365 };

/** Conversation state as botbuilder stores it mid-intake: both numbers in the waterfall's values. */
const INTAKE_STATE = {
  welcomed: true,
  supportCase: { kind: 'work' },
  dialogState: {
    dialogStack: [
      { id: 'main', state: { dialogs: { dialogStack: [{ id: 'escalationIntake', state: { dialogs: { dialogStack: [{ id: 'intake.flow', state: { values: { oldMobile: '+447400123456', newMobile: '+447400654321' }, stepIndex: 3 } }] } } }] } } },
    ],
  },
};
const OTHER_DIALOG_STATE = { welcomed: true, dialogState: { dialogStack: [{ id: 'main', state: { dialogs: { dialogStack: [{ id: 'personalAccount', state: {} }] } } }] } };
const holdsUnsentIntake = (state: StoreItem) => JSON.stringify(state.dialogState ?? null).includes('"id":"escalationIntake"');

interface Backend {
  name: string;
  open: (clock: FixedClock) => { storage: Storage; dispose: () => void };
}

const BACKENDS: Backend[] = [
  { name: 'LocalMemoryStorage', open: (clock) => ({ storage: new LocalMemoryStorage({ clock }), dispose: () => undefined }) },
  {
    name: 'SqliteStorage',
    open: (clock) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-test-'));
      const storage = new SqliteStorage(path.join(dir, 'state.db'), { clock });
      return {
        storage,
        dispose: () => {
          storage.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

let serial = 0;
const nextReference = () => `HD-RETN-${String((serial += 1)).padStart(4, '0')}`;

describe.each(BACKENDS)('retention sweep on $name', ({ open }) => {
  let clock: FixedClock;
  let storage: Storage;
  let dispose: () => void;
  let tickets: TicketStore;
  let audit: StoredAudit;
  let sweep: RetentionSweep;

  beforeEach(() => {
    clock = new FixedClock(START);
    ({ storage, dispose } = open(clock));
    tickets = new TicketStore(storage, clock, { perRequesterPerHour: 100, perConversationPerHour: 100 });
    audit = new StoredAudit(storage, new RecordingLog());
    sweep = new RetentionSweep({ storage, tickets, clock, log: new RecordingLog(), settings: SETTINGS, holdsUnsentIntake });
  });
  afterEach(() => dispose());

  const later = (ms: number) => {
    clock.current = new Date(clock.current.getTime() + ms);
  };
  const exists = async (key: string) => (await storage.read([key]))[key] !== undefined;

  async function request(conversationId: string, closeWith?: TicketEvent['type']): Promise<string> {
    const reference = nextReference();
    const ticket = newTicket(
      {
        channelId: 'msteams',
        assurance: 'teams-verified',
        requesterObjectId: `requester-${reference}`,
        targetObjectId: `target-${reference}`,
        newMobileE164: '+447400654321',
        oldMobileE164: '+447400123456',
        fix: 'replace-mobile',
        locale: 'en-GB',
        replyTo: { channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/emea/', conversationId, userId: '29:pat' },
      },
      reference,
      clock.now(),
      60,
    );
    await tickets.create(ticket);
    await audit.append({ reference, at: clock.now().toISOString(), kind: 'request', detail: { channel: 'msteams' } });
    if (closeWith === 'cancel') {
      await tickets.update(reference, (t) => applyEvent(t, { type: 'cancel', at: clock.now() }));
      await audit.append({ reference, at: clock.now().toISOString(), kind: 'cancellation', detail: {} });
    }
    return reference;
  }

  test('conversation and user state: gone once older than RETENTION_DAYS, fresh ones stay', async () => {
    await storage.write({ 'msteams/conversations/a:1old': { welcomed: true }, 'webchat/users/old': { profile: { locale: 'en' } } });
    later(20 * DAY);
    await storage.write({ 'msteams/conversations/a:1fresh': { welcomed: true }, 'webchat/users/fresh': { profile: { locale: 'es' } } });
    later(11 * DAY);
    const report = await sweep.sweep();
    expect(await exists('msteams/conversations/a:1old')).toBe(false);
    expect(await exists('webchat/users/old')).toBe(false);
    expect(await exists('msteams/conversations/a:1fresh')).toBe(true);
    expect(await exists('webchat/users/fresh')).toBe(true);
    expect(report).toMatchObject({ conversations: 1, users: 1 });
  });

  test('an intake abandoned for ABANDONED_INTAKE_HOURS loses its answers and both numbers; a recent one and other dialogs stay', async () => {
    await storage.write({ 'webchat/conversations/abandoned': { ...INTAKE_STATE }, 'webchat/conversations/other': { ...OTHER_DIALOG_STATE } });
    later(20 * HOUR);
    await storage.write({ 'webchat/conversations/recent': { ...INTAKE_STATE } });
    later(5 * HOUR);
    const report = await sweep.sweep();
    const stored = await storage.read(['webchat/conversations/abandoned', 'webchat/conversations/recent', 'webchat/conversations/other']);
    const abandoned = JSON.stringify(stored['webchat/conversations/abandoned']);
    expect(abandoned).not.toContain('7400123456');
    expect(abandoned).not.toContain('7400654321');
    expect(stored['webchat/conversations/abandoned']).toMatchObject({ welcomed: true, supportCase: { kind: 'work' } });
    expect(JSON.stringify(stored['webchat/conversations/recent'])).toContain('7400654321');
    expect(stored['webchat/conversations/other']).toMatchObject(OTHER_DIALOG_STATE);
    expect(report.abandonedIntakes).toBe(1);
  });

  test('a closed request goes after RETENTION_DAYS with its index entry and list; its audit after AUDIT_RETENTION_DAYS; an open one and its audit stay', async () => {
    const conversation = 'a:1requester';
    const closed = await request(conversation, 'cancel');
    const open = await request('a:1other');
    // Another closed request in the same conversation, closed later, keeps the list alive.
    later(10 * DAY);
    const closedLater = await request(conversation, 'cancel');

    later(25 * DAY); // closed: 35 days ago; closedLater: 25 days ago
    await sweep.sweep();
    expect(await tickets.get(closed)).toBeUndefined();
    expect(await tickets.get(closedLater)).toBeDefined();
    expect(await tickets.get(open)).toBeDefined();
    const list = (await storage.read([conversationTicketsKey(conversation)]))[conversationTicketsKey(conversation)] as { references: string[] };
    expect(list.references).toEqual([closedLater]);
    const index = (await storage.read([TICKET_INDEX_KEY]))[TICKET_INDEX_KEY] as unknown as TicketIndex;
    expect(Object.keys(index.open)).toEqual([open]);
    // The audit outlives the request.
    expect(await audit.list(closed)).toHaveLength(2);

    later(340 * DAY); // closed: 375 days ago; closedLater: 365 days ago; open: 375 days old
    await sweep.sweep();
    expect(await exists(auditKey(closed))).toBe(false);
    expect(await exists(ticketKey(closedLater))).toBe(false);
    expect(await exists(auditKey(closedLater))).toBe(true);
    expect(await exists(conversationTicketsKey(conversation))).toBe(false);
    // Open, however old: the request, its index entry and its audit stay.
    expect((await tickets.get(open))?.state).toBe('pending');
    expect(await tickets.openReferences()).toEqual([open]);
    expect(await audit.list(open)).toHaveLength(1);
    expect(await exists(conversationTicketsKey('a:1other'))).toBe(true);

    later(1 * DAY);
    await sweep.sweep();
    expect(await exists(auditKey(closedLater))).toBe(false);
    expect(await audit.list(open)).toHaveLength(1);
  });

  test('two instances sweeping at once agree, and a second pass finds nothing to do', async () => {
    await storage.write({ 'msteams/conversations/a:1old': { ...INTAKE_STATE } });
    await request('a:1c', 'cancel');
    later(400 * DAY);
    const twin = new RetentionSweep({ storage, tickets, clock, log: new RecordingLog(), settings: SETTINGS, holdsUnsentIntake });
    await Promise.all([sweep.sweep(), twin.sweep()]);
    const again = await sweep.sweep();
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
    expect(await exists('msteams/conversations/a:1old')).toBe(false);
  });
});

test('a store that cannot list is left alone, with one warning', async () => {
  const storage = new MemoryStorage();
  const clock = new FixedClock(START);
  const log = new RecordingLog();
  const sweep = new RetentionSweep({ storage, tickets: new TicketStore(storage, clock, { perRequesterPerHour: 1, perConversationPerHour: 1 }), clock, log, settings: SETTINGS, holdsUnsentIntake });
  await sweep.sweep();
  await sweep.sweep();
  expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
});
