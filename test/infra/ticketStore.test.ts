import type { EscalationDraft } from '../../src/core/ports';
import { applyEvent, InvalidTransition, newTicket, type Ticket, type TicketEvent } from '../../src/core/tickets';
import {
  CLIENT_ADDRESS_TTL_MS,
  clientAddressKey,
  conversationTicketsKey,
  TICKET_INDEX_KEY,
  ticketKey,
  TicketLimitError,
  TicketNotFoundError,
  TicketStore,
  type TicketLimits,
} from '../../src/infra/ticketStore';
import { FixedClock } from '../fakes/ports';
import { storageBackends, type Backend } from '../helpers/storageBackends';

const START = new Date('2025-06-01T10:00:00.000Z');
const MINUTE = 60_000;
const TEAMS_THREAD = '19:0f1e2d3c4b5a6978@thread.tacv2;messageid=1717236000000';
const TEAMS_PERSONAL = 'a:1' + 'Xy9-_'.repeat(80);

/** Distinct valid references: HD-TEST-0001, HD-TEST-0002, … */
let serial = 0;
const nextReference = () => `HD-TEST-${String((serial += 1)).padStart(4, '0')}`;

interface Who {
  requester?: string;
  userId?: string;
  conversationId?: string;
  target?: string;
  targetAddress?: string;
  channelId?: string;
}

function draft(who: Who = {}): EscalationDraft {
  const channelId = who.channelId ?? 'msteams';
  return {
    channelId,
    assurance: channelId === 'msteams' ? 'teams-verified' : 'unverified',
    requesterObjectId: who.requester,
    targetObjectId: who.target,
    targetSignInAddress: who.targetAddress,
    newMobileE164: '+447400123456',
    fix: 'replace-mobile',
    locale: 'en-GB',
    replyTo: {
      channelId,
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      conversationId: who.conversationId ?? TEAMS_PERSONAL,
      userId: who.userId ?? '29:1user',
    },
  };
}

const DEFAULT_WHO: Who = { requester: 'aaaaaaaa-0000-4000-8000-000000000001', target: 'bbbbbbbb-0000-4000-8000-000000000001' };

const approve = (by: string, at: Date): TicketEvent => ({ type: 'approve', by, action: 'replace-mobile', at });

const backends = storageBackends('ticket-store-test');

describe.each(backends)('TicketStore on %s', (_name, open) => {
  const roomy: TicketLimits = { perRequesterPerHour: 100, perConversationPerHour: 100 };
  let backend: Backend;
  let clock: FixedClock;
  let store: TicketStore;

  const make = (who: Who = DEFAULT_WHO, ttlMinutes = 60): Ticket => newTicket(draft(who), nextReference(), clock.now(), ttlMinutes);

  beforeEach(() => {
    backend = open();
    clock = new FixedClock(START);
    store = new TicketStore(backend.storage, clock, roomy);
  });
  afterEach(() => backend.dispose());

  describe('create and read', () => {
    test('a created ticket can be read back, is open, and is the latest of its conversation', async () => {
      const t = make({ ...DEFAULT_WHO, conversationId: TEAMS_THREAD });
      await store.create(t);
      expect(await store.get(t.reference)).toEqual(t);
      expect(await store.openReferences()).toEqual([t.reference]);
      expect(await store.latestForConversation(TEAMS_THREAD)).toEqual(t);
    });

    test('unknown and malformed references read as undefined', async () => {
      await store.create(make());
      expect(await store.get('HD-ZZZZ-ZZZZ')).toBeUndefined();
      expect(await store.get('tickets/_index')).toBeUndefined();
      expect(await store.get('hd-test-0001')).toBeUndefined();
      expect(await store.latestForConversation('19:nobody@thread.tacv2')).toBeUndefined();
      expect(await new TicketStore(backend.storage, clock, roomy).openReferences()).toHaveLength(1);
    });

    test('an empty store has no open references', async () => {
      expect(await store.openReferences()).toEqual([]);
    });

    test('a reference cannot be created twice, and only pending tickets can be created', async () => {
      const t = make();
      await store.create(t);
      await expect(store.create({ ...t, target: { objectId: 'someone-else' } })).rejects.toThrow(/already exists/);
      await expect(store.create({ ...make({ target: 'x' }), state: 'approved' })).rejects.toThrow(/pending/);
    });

    test('keys are short and safe whatever the conversation id looks like', async () => {
      const t = make({ ...DEFAULT_WHO, conversationId: TEAMS_PERSONAL });
      await store.create(t);
      const key = conversationTicketsKey(TEAMS_PERSONAL);
      expect(key).toMatch(/^tickets\/conversation\/[0-9a-f]{32}$/);
      expect(Object.keys(await backend.storage.read([key, ticketKey(t.reference), TICKET_INDEX_KEY])).sort()).toEqual(
        [key, TICKET_INDEX_KEY, `tickets/${t.reference}`].sort(),
      );
      // Nothing personal in the index: ids there are digests.
      const index = JSON.stringify(await backend.storage.read([TICKET_INDEX_KEY]));
      expect(index).not.toContain(DEFAULT_WHO.target);
      expect(index).not.toContain(DEFAULT_WHO.requester);
    });

    test('latestForConversation returns the newest ticket, whatever its state', async () => {
      const first = make({ ...DEFAULT_WHO, conversationId: TEAMS_THREAD });
      await store.create(first);
      await store.update(first.reference, (t) => applyEvent(t, { type: 'cancel', at: clock.now() }));
      clock.current = new Date(START.getTime() + MINUTE);
      const second = make({ ...DEFAULT_WHO, conversationId: TEAMS_THREAD });
      await store.create(second);
      expect((await store.latestForConversation(TEAMS_THREAD))?.reference).toBe(second.reference);
      expect((await store.get(first.reference))?.state).toBe('cancelled');
    });
  });

  describe('one open request per target', () => {
    test('a second request for the same account is refused, naming the open one, and leaves nothing behind', async () => {
      const first = make({ requester: 'r1', target: 'BBBB-CCCC', conversationId: 'conv-1' });
      await store.create(first);
      const second = make({ requester: 'r2', target: 'bbbb-cccc', conversationId: 'conv-2' });
      const refusal = store.create(second);
      await expect(refusal).rejects.toBeInstanceOf(TicketLimitError);
      await expect(refusal).rejects.toMatchObject({ reason: 'open-request-for-target', existingReference: first.reference });
      expect(await store.get(second.reference)).toBeUndefined();
      expect(await store.openReferences()).toEqual([first.reference]);
      expect(await store.latestForConversation('conv-2')).toBeUndefined();
    });

    test('the same holds for a target known only by sign-in address, in any case', async () => {
      await store.create(make({ targetAddress: 'Ana@Contoso.com', requester: 'r1', conversationId: 'w1' }));
      await expect(store.create(make({ targetAddress: 'ana@contoso.COM', requester: 'r2', conversationId: 'w2' }))).rejects.toMatchObject({
        reason: 'open-request-for-target',
      });
    });

    test('a requester Teams does not vouch for is not refused: the request is kept as a duplicate that blocks no one', async () => {
      const web = (n: number) => make({ targetAddress: 'Ana@Contoso.com', userId: `dl_web-${n}`, channelId: 'webchat', conversationId: `w${n}` });
      const first = web(1);
      await expect(store.create(first)).resolves.toBeUndefined();
      const second = web(2);
      await expect(store.create(second)).resolves.toBe(first.reference);
      expect((await store.get(second.reference))?.duplicateOf).toBe(first.reference);
      expect((await store.latestForConversation('w2'))?.reference).toBe(second.reference);
      // A third duplicates the original, not the duplicate; a verified requester is still refused, naming the original.
      await expect(store.create(web(3))).resolves.toBe(first.reference);
      await expect(store.create(make({ targetAddress: 'ana@contoso.com', requester: 'r1', conversationId: 'c1' }))).rejects.toMatchObject({
        reason: 'open-request-for-target',
        existingReference: first.reference,
      });
      // Once the original closes, the next request is an ordinary one again.
      await store.update(first.reference, (t) => applyEvent(t, { type: 'cancel', at: clock.now() }));
      await expect(store.create(web(4))).resolves.toBeUndefined();
    });

    test('another target is not affected', async () => {
      await store.create(make({ requester: 'r1', target: 't1' }));
      await expect(store.create(make({ requester: 'r1', target: 't2' }))).resolves.toBeUndefined();
      expect(await store.openReferences()).toHaveLength(2);
    });

    test.each<[string, TicketEvent[]]>([
      ['denied', [{ type: 'deny', by: 'admin', reason: 'no', at: START }]],
      ['cancelled', [{ type: 'cancel', at: START }]],
      ['expired', [{ type: 'expire', at: new Date(START.getTime() + 60 * MINUTE) }]],
      ['completed', [approve('admin', START), { type: 'complete', requestIds: ['r'], at: START }]],
      ['failed', [approve('admin', START), { type: 'fail', code: 'conflict', message: 'm', requestIds: [], at: START }]],
    ])('allowed again once the first is %s', async (state, events) => {
      const first = make({ requester: 'r1', target: 't1' });
      await store.create(first);
      for (const event of events) {
        const { won } = await store.update(first.reference, (t) => applyEvent(t, event));
        expect(won).toBe(true);
      }
      expect((await store.get(first.reference))?.state).toBe(state);
      expect(await store.openReferences()).toEqual([]);
      const again = make({ requester: 'r1', target: 't1' });
      await expect(store.create(again)).resolves.toBeUndefined();
      expect(await store.openReferences()).toEqual([again.reference]);
    });

    test('an approved ticket still blocks the target', async () => {
      const first = make({ requester: 'r1', target: 't1' });
      await store.create(first);
      await store.update(first.reference, (t) => applyEvent(t, approve('admin', START)));
      await expect(store.create(make({ requester: 'r1', target: 't1' }))).rejects.toMatchObject({ reason: 'open-request-for-target' });
    });

    test('an index entry left behind by a closer that crashed does not block the target for ever', async () => {
      const first = make({ requester: 'r1', target: 't1' });
      await store.create(first);
      // Close the ticket behind the store's back, as an instance dying between its two writes would leave it.
      const key = ticketKey(first.reference);
      const stored = (await backend.storage.read([key]))[key];
      await backend.storage.write({ [key]: { ...stored, ticket: applyEvent(first, { type: 'cancel', at: START }) } });
      expect(await store.openReferences()).toEqual([first.reference]);

      const again = make({ requester: 'r1', target: 't1' });
      await store.create(again);
      expect(await store.openReferences()).toEqual([again.reference]);
    });

    test('an update that finds its ticket already closed also tidies the index', async () => {
      const first = make({ requester: 'r1', target: 't1' });
      await store.create(first);
      const key = ticketKey(first.reference);
      const stored = (await backend.storage.read([key]))[key];
      await backend.storage.write({ [key]: { ...stored, ticket: applyEvent(first, { type: 'cancel', at: START }) } });

      const result = await store.update(first.reference, (t) => applyEvent(t, approve('admin', START)));
      expect(result.won).toBe(false);
      expect(await store.openReferences()).toEqual([]);
    });
  });

  describe('hourly caps', () => {
    test('per requester: the cap holds for a rolling hour, then resets', async () => {
      store = new TicketStore(backend.storage, clock, { perRequesterPerHour: 2, perConversationPerHour: 100 });
      await store.create(make({ requester: 'R-1', target: 't1', conversationId: 'c1' }));
      clock.current = new Date(START.getTime() + 10 * MINUTE);
      // The same person in another conversation, with the object id in another case, is still the same requester.
      await store.create(make({ requester: 'r-1', target: 't2', conversationId: 'c2' }));
      const third = make({ requester: 'r-1', target: 't3', conversationId: 'c3' });
      await expect(store.create(third)).rejects.toMatchObject({ reason: 'requester-hourly-cap' });
      expect(await store.get(third.reference)).toBeUndefined();
      await expect(store.create(make({ requester: 'r-2', target: 't3', conversationId: 'c4' }))).resolves.toBeUndefined();

      clock.current = new Date(START.getTime() + 60 * MINUTE - 1);
      await expect(store.create(make({ requester: 'r-1', target: 't4', conversationId: 'c5' }))).rejects.toMatchObject({
        reason: 'requester-hourly-cap',
      });
      // An hour after the first creation one slot is free again, and only one.
      clock.current = new Date(START.getTime() + 60 * MINUTE);
      await expect(store.create(make({ requester: 'r-1', target: 't5', conversationId: 'c6' }))).resolves.toBeUndefined();
      await expect(store.create(make({ requester: 'r-1', target: 't6', conversationId: 'c7' }))).rejects.toMatchObject({
        reason: 'requester-hourly-cap',
      });
      clock.current = new Date(START.getTime() + 70 * MINUTE);
      await expect(store.create(make({ requester: 'r-1', target: 't7', conversationId: 'c8' }))).resolves.toBeUndefined();
    });

    test('per requester without an object id: the channel user id counts', async () => {
      store = new TicketStore(backend.storage, clock, { perRequesterPerHour: 1, perConversationPerHour: 100 });
      const web = (userId: string, n: number) =>
        make({ channelId: 'webchat', userId, targetAddress: `user${n}@contoso.com`, conversationId: `w${n}` });
      await store.create(web('dl_visitor-1', 1));
      await expect(store.create(web('dl_visitor-1', 2))).rejects.toMatchObject({ reason: 'requester-hourly-cap' });
      await expect(store.create(web('dl_visitor-2', 3))).resolves.toBeUndefined();
      // A web visitor choosing a Teams user's object id as their user id does not use up that user's allowance.
      await store.create(web(DEFAULT_WHO.requester ?? '', 4));
      await expect(store.create(make({ requester: DEFAULT_WHO.requester, target: 't9', conversationId: 'c9' }))).resolves.toBeUndefined();
    });

    test('per conversation: different requesters in one conversation share the cap, and it resets', async () => {
      store = new TicketStore(backend.storage, clock, { perRequesterPerHour: 100, perConversationPerHour: 2 });
      await store.create(make({ requester: 'r1', target: 't1', conversationId: TEAMS_THREAD }));
      await store.create(make({ requester: 'r2', target: 't2', conversationId: TEAMS_THREAD }));
      await expect(store.create(make({ requester: 'r3', target: 't3', conversationId: TEAMS_THREAD }))).rejects.toMatchObject({
        reason: 'conversation-hourly-cap',
      });
      await expect(store.create(make({ requester: 'r3', target: 't3', conversationId: 'other' }))).resolves.toBeUndefined();
      clock.current = new Date(START.getTime() + 61 * MINUTE);
      await expect(store.create(make({ requester: 'r4', target: 't4', conversationId: TEAMS_THREAD }))).resolves.toBeUndefined();
    });

    test('closing a ticket does not give its slot back', async () => {
      store = new TicketStore(backend.storage, clock, { perRequesterPerHour: 1, perConversationPerHour: 100 });
      const first = make({ requester: 'r1', target: 't1' });
      await store.create(first);
      await store.update(first.reference, (t) => applyEvent(t, { type: 'cancel', at: clock.now() }));
      await expect(store.create(make({ requester: 'r1', target: 't1' }))).rejects.toMatchObject({ reason: 'requester-hourly-cap' });
    });

    test('the open-request refusal comes first, so the person learns their reference', async () => {
      store = new TicketStore(backend.storage, clock, { perRequesterPerHour: 1, perConversationPerHour: 1 });
      const first = make({ requester: 'r1', target: 't1' });
      await store.create(first);
      await expect(store.create(make({ requester: 'r1', target: 't1' }))).rejects.toMatchObject({
        reason: 'open-request-for-target',
        existingReference: first.reference,
      });
    });

    describe('caps that rotating ids cannot get round', () => {
      /** A web-chat visitor with a fresh user id and conversation every time, asking about a fresh account. */
      let n = 0;
      const visitor = (domain = 'contoso.com') => {
        n += 1;
        return make({ channelId: 'webchat', userId: `dl_rotating-${n}`, conversationId: `rot-${n}`, targetAddress: `user${n}@${domain}` });
      };
      const fromAddress = async (address: string, domain?: string) => {
        const t = visitor(domain);
        await store.recordClientAddress(t.requester.replyTo.userId, address);
        return t;
      };

      test('per client address: user ids the portal issued to one address share its cap; another address does not', async () => {
        store = new TicketStore(backend.storage, clock, { ...roomy, perClientAddressPerHour: 3 });
        for (let i = 0; i < 3; i += 1) await store.create(await fromAddress('203.0.113.7'));
        const refusal = store.create(await fromAddress('203.0.113.7'));
        await expect(refusal).rejects.toMatchObject({
          reason: 'client-address-hourly-cap',
          cap: { kind: 'client-address', limit: 3, until: new Date(START.getTime() + 60 * MINUTE) },
        });
        await expect(store.create(await fromAddress('2001:db8:1:2::/64'))).resolves.toBeUndefined();
        clock.current = new Date(START.getTime() + 60 * MINUTE);
        await expect(store.create(await fromAddress('203.0.113.7'))).resolves.toBeUndefined();
      });

      test('user ids the portal never issued, or whose record expired, share one "unknown" bucket', async () => {
        store = new TicketStore(backend.storage, clock, { ...roomy, perClientAddressPerHour: 2 });
        const expired = visitor();
        await store.recordClientAddress(expired.requester.replyTo.userId, '198.51.100.1');
        clock.current = new Date(START.getTime() + CLIENT_ADDRESS_TTL_MS + MINUTE);
        await store.create(visitor());
        await store.create(expired);
        await expect(store.create(visitor())).rejects.toMatchObject({ reason: 'client-address-hourly-cap' });
        await expect(store.create(await fromAddress('198.51.100.1'))).resolves.toBeUndefined();
      });

      test('a Teams user counts by tenant and object id, not by the unknown bucket', async () => {
        store = new TicketStore(backend.storage, clock, { ...roomy, perClientAddressPerHour: 1 });
        await store.create(visitor());
        await expect(store.create(make({ requester: 'r1', target: 't1', conversationId: 'a' }))).resolves.toBeUndefined();
        await expect(store.create(make({ requester: 'R1', target: 't2', conversationId: 'b' }))).rejects.toMatchObject({ reason: 'client-address-hourly-cap' });
        await expect(store.create(make({ requester: 'r2', target: 't3', conversationId: 'c' }))).resolves.toBeUndefined();
      });

      test('per target domain, in any case; targets known only by object id have no domain', async () => {
        store = new TicketStore(backend.storage, clock, { ...roomy, perTargetDomainPerHour: 2 });
        await store.create(await fromAddress('192.0.2.1', 'contoso.com'));
        await store.create(await fromAddress('192.0.2.2', 'Contoso.COM'));
        await expect(store.create(await fromAddress('192.0.2.3', 'contoso.com'))).rejects.toMatchObject({
          reason: 'target-domain-hourly-cap',
          cap: { kind: 'target-domain', limit: 2 },
        });
        await expect(store.create(await fromAddress('192.0.2.4', 'fabrikam.com'))).resolves.toBeUndefined();
        await expect(store.create(make({ requester: 'r1', target: 't1' }))).resolves.toBeUndefined();
      });

      test('overall: every creation counts, and the index keeps no more than the cap', async () => {
        store = new TicketStore(backend.storage, clock, { ...roomy, perHour: 3 });
        for (let i = 0; i < 3; i += 1) {
          clock.current = new Date(START.getTime() + i * MINUTE);
          await store.create(await fromAddress(`192.0.2.${i}`, `d${i}.example`));
        }
        await expect(store.create(await fromAddress('192.0.2.9', 'd9.example'))).rejects.toMatchObject({
          reason: 'overall-hourly-cap',
          cap: { kind: 'overall', limit: 3, until: new Date(START.getTime() + 60 * MINUTE) },
        });
        const index = (await backend.storage.read([TICKET_INDEX_KEY]))[TICKET_INDEX_KEY] as { recent: unknown[] };
        expect(index.recent).toHaveLength(3);
      });

      test('the summary line is claimed once per cap per hour, whoever asks', async () => {
        const other = new TicketStore(backend.storage, clock, roomy);
        const claims = await Promise.all([store.claimCapNotice('client-address'), other.claimCapNotice('client-address'), store.claimCapNotice('client-address')]);
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await other.claimCapNotice('overall')).toBe(true);
        clock.current = new Date(START.getTime() + 59 * MINUTE);
        expect(await store.claimCapNotice('client-address')).toBe(false);
        clock.current = new Date(START.getTime() + 61 * MINUTE);
        expect(await other.claimCapNotice('client-address')).toBe(true);
      });

      test('the store keeps a digest of the client address, never the address', async () => {
        await store.recordClientAddress('dl_someone', '203.0.113.77');
        const key = clientAddressKey('dl_someone');
        const record = (await backend.storage.read([key]))[key];
        expect(JSON.stringify(record)).not.toContain('203.0.113.77');
        expect(key).not.toContain('dl_someone');
      });
    });

    test('limits must be whole numbers', () => {
      expect(() => new TicketStore(backend.storage, clock, { perRequesterPerHour: 1.5, perConversationPerHour: 1 })).toThrow(RangeError);
      expect(() => new TicketStore(backend.storage, clock, { perRequesterPerHour: 1, perConversationPerHour: -1 })).toThrow(RangeError);
    });
  });

  describe('update', () => {
    test('a change that applies wins and is stored', async () => {
      const t = make();
      await store.create(t);
      const result = await store.update(t.reference, (c) => applyEvent(c, approve('admin-1', START)));
      expect(result.won).toBe(true);
      expect(result.ticket.state).toBe('approved');
      expect(await store.get(t.reference)).toEqual(result.ticket);
      expect(await store.openReferences()).toEqual([t.reference]);
    });

    test('a change that no longer applies is a loss, returning the ticket as it is', async () => {
      const t = make();
      await store.create(t);
      await store.update(t.reference, (c) => applyEvent(c, approve('admin-1', START)));
      const late = await store.update(t.reference, (c) => applyEvent(c, approve('admin-2', START)));
      expect(late.won).toBe(false);
      expect(late.ticket.decision?.by).toBe('admin-1');
    });

    test('any other error from the change is thrown and nothing is written', async () => {
      const t = make();
      await store.create(t);
      await expect(
        store.update(t.reference, () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.get(t.reference)).toEqual(t);
    });

    test('the change gets a copy: mutating it without returning it changes nothing', async () => {
      const t = make();
      await store.create(t);
      await expect(
        store.update(t.reference, (c) => {
          c.state = 'completed';
          throw new InvalidTransition('pending', 'complete');
        }),
      ).resolves.toEqual({ won: false, ticket: t });
      expect(await store.get(t.reference)).toEqual(t);
    });

    test('an unknown or malformed reference is an error, and the reference cannot be changed', async () => {
      await expect(store.update('HD-ZZZZ-ZZZZ', (c) => c)).rejects.toBeInstanceOf(TicketNotFoundError);
      await expect(store.update('../etc', (c) => c)).rejects.toBeInstanceOf(TicketNotFoundError);
      const t = make();
      await store.create(t);
      await expect(store.update(t.reference, (c) => ({ ...c, reference: 'HD-ZZZZ-ZZZZ' }))).rejects.toThrow(/reference/);
    });

    test('the expiry sweep: open references, expire only what is due', async () => {
      const short = make({ requester: 'r1', target: 't1' }, 10);
      const long = make({ requester: 'r1', target: 't2' }, 120);
      await store.create(short);
      await store.create(long);
      const sweep = async () => {
        for (const reference of await store.openReferences()) {
          await store.update(reference, (c) => applyEvent(c, { type: 'expire', at: clock.now() }));
        }
      };
      clock.current = new Date(START.getTime() + 9 * MINUTE);
      await sweep();
      expect(await store.openReferences()).toEqual([short.reference, long.reference]);
      clock.current = new Date(START.getTime() + 10 * MINUTE);
      await sweep();
      expect(await store.openReferences()).toEqual([long.reference]);
      expect((await store.get(short.reference))?.state).toBe('expired');
    });
  });

  describe('races', () => {
    const REPEATS = 20;

    async function raceApprovals(second: TicketStore): Promise<void> {
      for (let i = 0; i < REPEATS; i += 1) {
        const t = make({ requester: 'r', target: `race-target-${i}` });
        await store.create(t);
        const [a, b] = await Promise.all([
          store.update(t.reference, (c) => applyEvent(c, approve('admin-A', START))),
          second.update(t.reference, (c) => applyEvent(c, approve('admin-B', START))),
        ]);
        expect([a.won, b.won].filter(Boolean)).toHaveLength(1);
        const winner = a.won ? a : b;
        const loser = a.won ? b : a;
        // The loser is told what the winner did.
        expect(loser.ticket).toEqual(winner.ticket);
        expect(await store.get(t.reference)).toEqual(winner.ticket);
        expect(winner.ticket.decision?.by).toBe(a.won ? 'admin-A' : 'admin-B');
      }
    }

    test('two approvals of one pending ticket at once: exactly one wins (20 times, one instance)', async () => {
      await raceApprovals(store);
    });

    test('two approvals of one pending ticket at once: exactly one wins (20 times, two instances on one store)', async () => {
      await raceApprovals(new TicketStore(backend.sibling(), clock, roomy));
    });

    test('approve and deny at once: exactly one decision sticks', async () => {
      const other = new TicketStore(backend.sibling(), clock, roomy);
      for (let i = 0; i < REPEATS; i += 1) {
        const t = make({ requester: 'r', target: `decide-${i}` });
        await store.create(t);
        const [a, d] = await Promise.all([
          store.update(t.reference, (c) => applyEvent(c, approve('admin-A', START))),
          other.update(t.reference, (c) => applyEvent(c, { type: 'deny', by: 'admin-B', reason: 'no', at: START })),
        ]);
        expect(a.won !== d.won).toBe(true);
        const final = await store.get(t.reference);
        expect(final?.state).toBe(a.won ? 'approved' : 'denied');
        expect(await store.openReferences()).toEqual(a.won ? [t.reference] : []);
        if (a.won) await store.update(t.reference, (c) => applyEvent(c, { type: 'complete', requestIds: [], at: START }));
      }
      expect(await store.openReferences()).toEqual([]);
    });

    test('a card-posted record racing an approval: both are kept (the posted change is retried)', async () => {
      const other = new TicketStore(backend.sibling(), clock, roomy);
      const post = { activityId: 'act', conversationId: TEAMS_THREAD, serviceUrl: 'https://smba/' };
      for (let i = 0; i < REPEATS; i += 1) {
        const t = make({ requester: 'r', target: `posted-${i}` });
        await store.create(t);
        const [p, a] = await Promise.all([
          other.update(t.reference, (c) => applyEvent(c, { type: 'posted', post, at: START })),
          store.update(t.reference, (c) => applyEvent(c, approve('admin-A', START))),
        ]);
        expect(p.won && a.won).toBe(true);
        const final = await store.get(t.reference);
        expect(final?.state).toBe('approved');
        expect(final?.helpdeskPost).toEqual(post);
      }
    });

    test('two requests for one target created at once, the first time on a fresh store: one ticket, one TicketLimitError (20 times)', async () => {
      const stores = [store, new TicketStore(backend.sibling(), clock, roomy)];
      for (let i = 0; i < REPEATS; i += 1) {
        const a = make({ requester: `ra-${i}`, target: `fresh-${i}`, conversationId: `ca-${i}` });
        const b = make({ requester: `rb-${i}`, target: `FRESH-${i}`, conversationId: `cb-${i}` });
        const results = await Promise.allSettled([stores[0].create(a), stores[1].create(b)]);
        const won = results.map((r) => r.status === 'fulfilled');
        expect(won.filter(Boolean)).toHaveLength(1);
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected?.reason).toBeInstanceOf(TicketLimitError);
        const [winner, loser] = won[0] ? [a, b] : [b, a];
        expect(rejected?.reason).toMatchObject({ reason: 'open-request-for-target', existingReference: winner.reference });
        expect(await store.get(loser.reference)).toBeUndefined();
        expect(await store.get(winner.reference)).toEqual(winner);
      }
      expect(await store.openReferences()).toHaveLength(REPEATS);
    });

    test('the hourly cap holds under concurrent creates from two instances', async () => {
      const limits = { perRequesterPerHour: 3, perConversationPerHour: 100 };
      const stores = [new TicketStore(backend.storage, clock, limits), new TicketStore(backend.sibling(), clock, limits)];
      const attempts = Array.from({ length: 10 }, (_, i) => stores[i % 2].create(make({ requester: 'greedy', target: `cap-${i}`, conversationId: `c-${i}` })));
      const results = await Promise.allSettled(attempts);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ reason: 'requester-hourly-cap' });
      }
      expect(await store.openReferences()).toHaveLength(3);
    });
  });
});
