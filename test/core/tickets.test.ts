import type { EscalationDraft } from '../../src/core/ports';
import {
  applyEvent,
  InvalidTransition,
  isOpen,
  MAX_DENY_REASON_LENGTH,
  newTicket,
  postIsDue,
  postRetryDelayMs,
  targetKey,
  type Ticket,
  type TicketEvent,
  type TicketState,
} from '../../src/core/tickets';

const NOW = new Date('2025-06-01T10:00:00.000Z');
const LATER = new Date('2025-06-01T10:05:00.000Z');
const AFTER_EXPIRY = new Date('2025-06-02T10:00:00.000Z');

function draft(overrides: Partial<EscalationDraft> = {}): EscalationDraft {
  return {
    channelId: 'msteams',
    assurance: 'teams-verified',
    requesterObjectId: '11111111-aaaa-4bbb-8ccc-000000000001',
    targetObjectId: '11111111-AAAA-4BBB-8CCC-000000000001',
    newMobileE164: '+447400123456',
    fix: 'replace-mobile',
    locale: 'en-GB',
    replyTo: {
      channelId: 'msteams',
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      conversationId: 'a:1personal-chat',
      userId: '29:1user',
      botId: '28:bot',
      tenantId: 'tenant-1',
    },
    ...overrides,
  };
}

/** A ticket created at NOW with a 24 h TTL, put straight into `state` for the transition table. */
function ticketIn(state: TicketState): Ticket {
  return { ...newTicket(draft(), 'HD-7K3M-Q9XD', NOW, 24 * 60), state };
}

/** The lifecycle events; the evidence events (which need evidence on the ticket first) have their own tests. */
type LifecycleEvent = Exclude<TicketEvent['type'], 'manager-asked' | 'manager-unavailable' | 'manager-answer' | 'override' | 'dispute'>;

const EVENTS: Record<LifecycleEvent, TicketEvent> = {
  approve: { type: 'approve', by: 'admin-1', byName: 'Ada Admin', action: 'replace-mobile', at: LATER },
  complete: { type: 'complete', requestIds: ['req-1', 'req-2'], at: LATER },
  fail: { type: 'fail', code: 'not_allowed', message: 'Graph refused', requestIds: ['req-3'], at: LATER },
  deny: { type: 'deny', by: 'admin-2', reason: '  caller could not be verified  ', at: LATER },
  // The only event whose legality depends on time: the table uses a moment after expiry.
  expire: { type: 'expire', at: AFTER_EXPIRY },
  cancel: { type: 'cancel', at: LATER },
  posted: { type: 'posted', post: { activityId: 'act-1', conversationId: '19:helpdesk@thread.tacv2', serviceUrl: 'https://smba/' }, at: LATER },
  'post-attempt': { type: 'post-attempt', at: LATER },
};

const STATES: TicketState[] = ['pending', 'approved', 'completed', 'failed', 'denied', 'expired', 'cancelled'];

/** Every allowed transition; any (state, event) pair not listed must throw InvalidTransition. */
const ALLOWED: Partial<Record<TicketState, Partial<Record<TicketEvent['type'], TicketState>>>> = {
  pending: { approve: 'approved', deny: 'denied', expire: 'expired', cancel: 'cancelled', posted: 'pending', 'post-attempt': 'pending' },
  approved: { complete: 'completed', fail: 'failed', posted: 'approved' },
};

const TABLE = STATES.flatMap((state) =>
  (Object.keys(EVENTS) as LifecycleEvent[]).map((type) => [state, type, ALLOWED[state]?.[type]] as const),
);

describe('applyEvent: the transition table', () => {
  test.each(TABLE)('%s + %s -> %s', (state, type, expected) => {
    const before = ticketIn(state);
    const event = EVENTS[type];
    if (expected === undefined) {
      let thrown: unknown;
      try {
        applyEvent(before, event);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidTransition);
      expect(thrown).toMatchObject({ from: state, event: type });
    } else {
      const after = applyEvent(before, event);
      expect(after.state).toBe(expected);
      expect(after.updatedAt).toBe(event.at.toISOString());
      expect(after.createdAt).toBe(before.createdAt);
    }
  });

  test('the table covers all 56 pairs, 9 of them allowed', () => {
    expect(TABLE).toHaveLength(56);
    expect(TABLE.filter(([, , to]) => to !== undefined)).toHaveLength(9);
  });
});

describe('posting the card again: attempts and backoff on the ticket', () => {
  test('each claimed try counts, and the next may start after a doubling delay (at most an hour)', () => {
    let t = ticketIn('pending');
    const delays: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      t = applyEvent(t, { type: 'post-attempt', at: LATER });
      delays.push((Date.parse(t.postRetry!.nextAttemptAt) - LATER.getTime()) / 60_000);
    }
    expect(t.postRetry!.attempts).toBe(8);
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(postRetryDelayMs(3)).toBe(4 * 60_000);
  });

  test('a posted ticket is not tried again; an unposted one is due after its next-attempt time, or after the grace period', () => {
    const fresh = ticketIn('pending');
    expect(postIsDue(fresh, NOW)).toBe(false);
    expect(postIsDue(fresh, new Date(NOW.getTime() + 3 * 60_000))).toBe(true);
    const tried = applyEvent(fresh, { type: 'post-attempt', at: NOW });
    expect(postIsDue(tried, new Date(NOW.getTime() + 30_000))).toBe(false);
    expect(postIsDue(tried, new Date(NOW.getTime() + 60_000))).toBe(true);
    const posted = applyEvent(tried, EVENTS.posted);
    expect(postIsDue(posted, new Date(NOW.getTime() + 3_600_000))).toBe(false);
    expect(() => applyEvent(posted, { type: 'post-attempt', at: LATER })).toThrow(InvalidTransition);
  });
});

describe('applyEvent: what each transition records', () => {
  test('approve records the approver and the action', () => {
    const t = applyEvent(ticketIn('pending'), EVENTS.approve);
    expect(t.decision).toEqual({ by: 'admin-1', byName: 'Ada Admin', action: 'replace-mobile', at: LATER.toISOString() });
  });

  test('deny records a trimmed reason and no action', () => {
    const t = applyEvent(ticketIn('pending'), EVENTS.deny);
    expect(t.decision).toEqual({ by: 'admin-2', reason: 'caller could not be verified', at: LATER.toISOString() });
  });

  test('a long deny reason is capped without splitting an emoji', () => {
    const reason = `${'x'.repeat(MAX_DENY_REASON_LENGTH - 1)}🔐🔐🔐 and more`;
    const t = applyEvent(ticketIn('pending'), { type: 'deny', by: 'a', reason, at: LATER });
    expect(Array.from(t.decision?.reason ?? '')).toHaveLength(MAX_DENY_REASON_LENGTH);
    expect(t.decision?.reason?.endsWith('🔐')).toBe(true);
  });

  test('complete and fail keep the approval and record the Graph request ids', () => {
    const approved = applyEvent(ticketIn('pending'), EVENTS.approve);
    const done = applyEvent(approved, EVENTS.complete);
    expect(done.result).toEqual({ ok: true, requestIds: ['req-1', 'req-2'], at: LATER.toISOString() });
    expect(done.decision).toEqual(approved.decision);
    const failed = applyEvent(approved, EVENTS.fail);
    expect(failed.result).toEqual({ ok: false, code: 'not_allowed', message: 'Graph refused', requestIds: ['req-3'], at: LATER.toISOString() });
  });

  test('posted records where the card is and keeps the state', () => {
    const t = applyEvent(ticketIn('approved'), EVENTS.posted);
    expect(t.state).toBe('approved');
    expect(t.helpdeskPost).toEqual({ activityId: 'act-1', conversationId: '19:helpdesk@thread.tacv2', serviceUrl: 'https://smba/' });
  });

  test('the ticket given is never changed', () => {
    const before = ticketIn('pending');
    const copy = structuredClone(before);
    const after = applyEvent(applyEvent(before, EVENTS.posted), EVENTS.approve);
    expect(before).toEqual(copy);
    after.requester.replyTo.userId = 'changed';
    expect(before.requester.replyTo.userId).toBe('29:1user');
  });

  test('an invalid date is refused', () => {
    expect(() => applyEvent(ticketIn('pending'), { type: 'cancel', at: new Date('nope') })).toThrow(RangeError);
  });
});

describe('expiry', () => {
  const ticket = newTicket(draft(), 'HD-7K3M-Q9XD', NOW, 30);
  const expiresAt = new Date('2025-06-01T10:30:00.000Z');

  test('expiresAt is createdAt plus the TTL', () => {
    expect(ticket.expiresAt).toBe(expiresAt.toISOString());
  });

  test('expire is refused before expiresAt', () => {
    expect(() => applyEvent(ticket, { type: 'expire', at: new Date(expiresAt.getTime() - 1) })).toThrow(InvalidTransition);
  });

  test('expire is allowed at expiresAt exactly, and after', () => {
    expect(applyEvent(ticket, { type: 'expire', at: expiresAt }).state).toBe('expired');
    expect(applyEvent(ticket, { type: 'expire', at: AFTER_EXPIRY }).state).toBe('expired');
  });

  test('an approval arriving at or after expiresAt is refused, before it is allowed', () => {
    const approve = (at: Date): TicketEvent => ({ type: 'approve', by: 'a', action: 'temporary-access-pass', at });
    expect(applyEvent(ticket, approve(new Date(expiresAt.getTime() - 1))).state).toBe('approved');
    expect(() => applyEvent(ticket, approve(expiresAt))).toThrow(InvalidTransition);
  });

  test('deny and cancel still work on an overdue pending ticket', () => {
    expect(applyEvent(ticket, { type: 'deny', by: 'a', reason: '', at: AFTER_EXPIRY }).state).toBe('denied');
    expect(applyEvent(ticket, { type: 'cancel', at: AFTER_EXPIRY }).state).toBe('cancelled');
  });
});

describe('newTicket', () => {
  test('copies the draft into a pending ticket', () => {
    const t = newTicket(draft({ oldMobileE164: '+447400999888', targetSignInAddress: ' Ana@Contoso.com ' }), 'HD-7K3M-Q9XD', NOW, 60);
    expect(t).toEqual({
      reference: 'HD-7K3M-Q9XD',
      state: 'pending',
      requester: {
        channelId: 'msteams',
        objectId: '11111111-aaaa-4bbb-8ccc-000000000001',
        assurance: 'teams-verified',
        conversationId: 'a:1personal-chat',
        replyTo: draft().replyTo,
        locale: 'en-GB',
      },
      target: { signInAddress: 'Ana@Contoso.com', objectId: '11111111-AAAA-4BBB-8CCC-000000000001' },
      newMobileE164: '+447400123456',
      oldMobileE164: '+447400999888',
      requestedFix: 'replace-mobile',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      expiresAt: '2025-06-01T11:00:00.000Z',
    });
  });

  test('leaves out what the draft did not have', () => {
    const t = newTicket(
      draft({ channelId: 'webchat', assurance: 'unverified', requesterObjectId: undefined, targetObjectId: undefined, targetSignInAddress: 'ana@contoso.com' }),
      'HD-7K3M-Q9XD',
      NOW,
      60,
    );
    expect('objectId' in t.requester).toBe(false);
    expect(t.target).toEqual({ signInAddress: 'ana@contoso.com' });
    expect('oldMobileE164' in t).toBe(false);
    expect(isOpen(t)).toBe(true);
  });

  test.each([['hd-7k3m-q9xd'], ['HD-7K3M-Q9X'], ['HD-7K3M-Q9XO'], [' HD-7K3M-Q9XD'], ['escalations/HD-7K3M-Q9XD']])(
    'refuses the reference %p',
    (reference) => {
      expect(() => newTicket(draft(), reference, NOW, 60)).toThrow(RangeError);
    },
  );

  test.each([[0], [-5], [Number.NaN], [Number.POSITIVE_INFINITY]])('refuses a TTL of %p minutes', (ttl) => {
    expect(() => newTicket(draft(), 'HD-7K3M-Q9XD', NOW, ttl)).toThrow(RangeError);
  });

  test('refuses a draft without any target account', () => {
    expect(() => newTicket(draft({ targetObjectId: undefined, targetSignInAddress: '  ' }), 'HD-7K3M-Q9XD', NOW, 60)).toThrow(/no target/);
  });
});

describe('isOpen and targetKey', () => {
  test.each(STATES)('isOpen(%s)', (state) => {
    expect(isOpen({ state })).toBe(state === 'pending' || state === 'approved');
  });

  test('the object id wins and is lower-cased', () => {
    expect(targetKey({ target: { objectId: ' ABC-DEF ', signInAddress: 'ana@contoso.com' } })).toBe('abc-def');
  });

  test('otherwise the sign-in address, lower-cased and trimmed', () => {
    expect(targetKey({ target: { signInAddress: ' Ana@Contoso.COM ' } })).toBe('ana@contoso.com');
  });

  test('no target is an error rather than a shared empty key', () => {
    expect(() => targetKey({ target: {} })).toThrow(RangeError);
  });
});
