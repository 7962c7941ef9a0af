import type { EscalationDraft } from '../../src/core/ports';
import {
  applyEvent,
  InvalidTransition,
  isDisputed,
  isOpen,
  MAX_DENY_REASON_LENGTH,
  MAX_LATER_DUPLICATES,
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
  'duplicate-received': { type: 'duplicate-received', reference: 'HD-9P2R-4TWM', at: LATER },
};

const STATES: TicketState[] = ['pending', 'approved', 'completed', 'failed', 'denied', 'expired', 'cancelled'];

/** Every allowed transition; any (state, event) pair not listed must throw InvalidTransition. */
const ALLOWED: Partial<Record<TicketState, Partial<Record<TicketEvent['type'], TicketState>>>> = {
  pending: { approve: 'approved', deny: 'denied', expire: 'expired', cancel: 'cancelled', posted: 'pending', 'post-attempt': 'pending', 'duplicate-received': 'pending' },
  approved: { complete: 'completed', fail: 'failed', posted: 'approved', 'duplicate-received': 'approved' },
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

  test('the table covers all 63 pairs, 11 of them allowed', () => {
    expect(TABLE).toHaveLength(63);
    expect(TABLE.filter(([, , to]) => to !== undefined)).toHaveLength(11);
  });
});

describe('later duplicates: the warning kept on the request they duplicate', () => {
  const received = (ticket: Ticket, reference: string) => applyEvent(ticket, { type: 'duplicate-received', reference, at: LATER });

  test('each is listed once, oldest first, and nothing else about the request changes', () => {
    const before = ticketIn('pending');
    const after = received(received(before, 'HD-9P2R-4TWM'), 'HD-3KQ7-XM2C');
    expect(after.laterDuplicates).toEqual(['HD-9P2R-4TWM', 'HD-3KQ7-XM2C']);
    expect({ ...after, laterDuplicates: undefined, updatedAt: before.updatedAt }).toEqual({ ...before, laterDuplicates: undefined });
    expect(() => received(after, 'HD-9P2R-4TWM')).toThrow(InvalidTransition);
  });

  test('a request is not its own duplicate', () => {
    expect(() => received(ticketIn('pending'), 'HD-7K3M-Q9XD')).toThrow(InvalidTransition);
  });

  test(`at most ${MAX_LATER_DUPLICATES} are listed`, () => {
    let t = ticketIn('pending');
    for (let i = 0; i < MAX_LATER_DUPLICATES; i += 1) t = received(t, `HD-AAAA-${String(i).padStart(4, '0')}`);
    expect(t.laterDuplicates).toHaveLength(MAX_LATER_DUPLICATES);
    expect(() => received(t, 'HD-BBBB-0000')).toThrow(InvalidTransition);
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

// ---------------------------------------------------------------------------------------------
// Evidence events (src/core/assurance.ts reads what they record). None changes the state.

describe('applyEvent: evidence', () => {
  const REQUESTER = '11111111-aaaa-4bbb-8ccc-000000000001';
  const TARGET = '22222222-aaaa-4bbb-8ccc-000000000002';
  const MANAGER = '66666666-aaaa-4bbb-8ccc-000000000006';
  const APPROVER = '33333333-aaaa-4bbb-8ccc-000000000003';
  const APPROVER_2 = '44444444-aaaa-4bbb-8ccc-000000000004';
  const REASON = 'Called back on the directory number';

  /** A colleague's request about someone else's account, so requester, target and manager all differ. */
  const fresh = (state: TicketState = 'pending'): Ticket => ({ ...newTicket(draft({ targetObjectId: TARGET }), 'HD-7K3M-Q9XD', NOW, 24 * 60), state });
  const asked = (state: TicketState = 'pending'): Ticket => {
    const t = applyEvent(fresh(), { type: 'manager-asked', managerObjectId: MANAGER, at: LATER });
    return { ...t, state };
  };
  const answered = (answer: 'yes' | 'no') => applyEvent(asked(), { type: 'manager-answer', by: MANAGER, answer, at: LATER });
  const refused = (ticket: Ticket, event: TicketEvent, detail: RegExp = /./) => {
    let thrown: unknown;
    try {
      applyEvent(ticket, event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTransition);
    expect((thrown as Error).message).toMatch(detail);
  };

  describe('the manager', () => {
    test('asking records the manager, keeps the state, and does not touch the ticket given', () => {
      const before = fresh();
      const after = applyEvent(before, { type: 'manager-asked', managerObjectId: ` ${MANAGER} `, at: LATER });
      expect(after.manager).toEqual({ status: 'asked', managerObjectId: MANAGER, at: LATER.toISOString() });
      expect(after.state).toBe('pending');
      expect(before.manager).toBeUndefined();
    });

    test.each<[string, Ticket, TicketEvent, RegExp]>([
      ['asked twice', asked(), { type: 'manager-asked', managerObjectId: MANAGER, at: LATER }, /already asked/],
      ['asked after the answer', answered('yes'), { type: 'manager-asked', managerObjectId: APPROVER, at: LATER }, /already asked/],
      ['the target as their own manager', fresh(), { type: 'manager-asked', managerObjectId: TARGET.toUpperCase(), at: LATER }, /requester or the target/],
      ['the requester as the manager', fresh(), { type: 'manager-asked', managerObjectId: REQUESTER, at: LATER }, /requester or the target/],
      ['no manager id', fresh(), { type: 'manager-asked', managerObjectId: ' ', at: LATER }, /no manager id/],
      ['asked once decided', fresh('approved'), { type: 'manager-asked', managerObjectId: MANAGER, at: LATER }, /approved/],
      ['asked after expiry', fresh(), { type: 'manager-asked', managerObjectId: MANAGER, at: AFTER_EXPIRY }, /expired/],
      ['an answer nobody was asked for', fresh(), { type: 'manager-answer', by: MANAGER, answer: 'yes', at: LATER }, /no manager was asked/],
      ['an answer from someone else (a forwarded card)', asked(), { type: 'manager-answer', by: APPROVER, answer: 'yes', at: LATER }, /not from the manager asked/],
      ['a second answer', answered('no'), { type: 'manager-answer', by: MANAGER, answer: 'yes', at: LATER }, /already answered/],
      ['an answer that is neither button', asked(), { type: 'manager-answer', by: MANAGER, answer: 'maybe' as 'yes', at: LATER }, /unknown answer/],
      ['unavailable once answered', answered('yes'), { type: 'manager-unavailable', reason: 'unreachable', at: LATER }, /has answered/],
      ['unavailable once decided', fresh('denied'), { type: 'manager-unavailable', reason: 'no-manager', at: LATER }, /denied/],
    ])('refused: %s', (_name, ticket, event, detail) => {
      refused(ticket, event, detail);
    });

    test('the answer is recorded with who and when; "No" disputes the request', () => {
      const yes = answered('yes');
      expect(yes.manager).toEqual({ status: 'answered', managerObjectId: MANAGER, answer: 'yes', byObjectId: MANAGER, at: LATER.toISOString() });
      expect(isDisputed(yes)).toBe(false);
      expect(isDisputed(answered('no'))).toBe(true);
      expect(applyEvent(asked(), { type: 'manager-answer', by: MANAGER.toUpperCase(), answer: 'no', at: LATER }).manager).toMatchObject({ answer: 'no' });
    });

    test.each<TicketState>(['approved', 'completed', 'failed', 'expired'])('a late answer is still recorded on a %s ticket, which keeps its state', (state) => {
      const after = applyEvent(asked(state), { type: 'manager-answer', by: MANAGER, answer: 'no', at: LATER });
      expect(after.state).toBe(state);
      expect(isDisputed(after)).toBe(true);
    });

    test('no manager, or unreachable; an unreachable one may be asked again, and a failed send becomes unreachable', () => {
      const none = applyEvent(fresh(), { type: 'manager-unavailable', reason: 'no-manager', at: LATER });
      expect(none.manager).toEqual({ status: 'unavailable', reason: 'no-manager', at: LATER.toISOString() });
      const unreachable = applyEvent(asked(), { type: 'manager-unavailable', reason: 'unreachable', at: LATER });
      expect(unreachable.manager).toMatchObject({ status: 'unavailable', reason: 'unreachable' });
      expect(applyEvent(unreachable, { type: 'manager-asked', managerObjectId: MANAGER, at: LATER }).manager).toMatchObject({ status: 'asked' });
    });
  });

  describe('overrides', () => {
    test('recorded with the capped reason, who, when, and whether the request was disputed', () => {
      const first = applyEvent(fresh(), { type: 'override', by: APPROVER, byName: 'Ada Admin', reason: `  ${'x'.repeat(MAX_DENY_REASON_LENGTH + 20)} `, at: LATER });
      expect(first.overrides).toEqual([{ byObjectId: APPROVER, byName: 'Ada Admin', reason: 'x'.repeat(MAX_DENY_REASON_LENGTH), at: LATER.toISOString(), whileDisputed: false }]);
      expect(first.state).toBe('pending');
      const disputed = applyEvent({ ...first, manager: answered('no').manager! }, { type: 'override', by: APPROVER_2, reason: REASON, at: LATER });
      expect(disputed.overrides!.map((o) => [o.byObjectId, o.whileDisputed])).toEqual([[APPROVER, false], [APPROVER_2, true]]);
      expect(first.overrides).toHaveLength(1);
    });

    test('who overrode before the dispute may override once more after it, then not again', () => {
      const before = applyEvent(fresh(), { type: 'override', by: APPROVER, reason: REASON, at: LATER });
      const after = applyEvent({ ...before, manager: answered('no').manager! }, { type: 'override', by: APPROVER, reason: 'Verified in person', at: LATER });
      expect(after.overrides).toHaveLength(2);
      refused(after, { type: 'override', by: APPROVER.toUpperCase(), reason: 'again', at: LATER }, /already overridden/);
    });

    test.each<[string, Ticket, TicketEvent, RegExp]>([
      ['without a reason', fresh(), { type: 'override', by: APPROVER, reason: '   ', at: LATER }, /written reason/],
      ['with a reason that is not text', fresh(), { type: 'override', by: APPROVER, reason: undefined as unknown as string, at: LATER }, /written reason/],
      ['by the requester', fresh(), { type: 'override', by: REQUESTER.toUpperCase(), reason: REASON, at: LATER }, /requester or the target/],
      ['by the target', fresh(), { type: 'override', by: TARGET, reason: REASON, at: LATER }, /requester or the target/],
      ['by nobody', fresh(), { type: 'override', by: '', reason: REASON, at: LATER }, /no approver id/],
      ['the same approver twice', applyEvent(fresh(), { type: 'override', by: APPROVER, reason: REASON, at: LATER }), { type: 'override', by: APPROVER, reason: 'again', at: LATER }, /already overridden/],
      ['once approved', fresh('approved'), { type: 'override', by: APPROVER, reason: REASON, at: LATER }, /approved/],
      ['once completed', fresh('completed'), { type: 'override', by: APPROVER, reason: REASON, at: LATER }, /completed/],
      ['after expiry', fresh(), { type: 'override', by: APPROVER, reason: REASON, at: AFTER_EXPIRY }, /expired/],
    ])('refused: %s', (_name, ticket, event, detail) => {
      refused(ticket, event, detail);
    });
  });

  describe("the owner's dispute", () => {
    test.each<TicketState>(['completed', 'failed', 'pending', 'approved', 'denied'])('recorded on a %s ticket, which keeps its state', (state) => {
      const after = applyEvent(fresh(state), { type: 'dispute', by: TARGET.toUpperCase(), at: LATER });
      expect(after.dispute).toEqual({ byObjectId: TARGET.toUpperCase(), at: LATER.toISOString() });
      expect(after.state).toBe(state);
      expect(isDisputed(after)).toBe(true);
    });

    test('only the owner, and only once; an address-only ticket leaves the owner check to the caller', () => {
      refused(fresh('completed'), { type: 'dispute', by: APPROVER, at: LATER }, /only the account owner/);
      refused(applyEvent(fresh('completed'), { type: 'dispute', by: TARGET, at: LATER }), { type: 'dispute', by: TARGET, at: LATER }, /already disputed/);
      refused(fresh('completed'), { type: 'dispute', by: ' ', at: LATER }, /no owner id/);
      const byAddress = { ...fresh('completed'), target: { signInAddress: 'ana@contoso.com' } };
      expect(applyEvent(byAddress, { type: 'dispute', by: TARGET, at: LATER }).dispute?.byObjectId).toBe(TARGET);
    });
  });

  test('a ticket without evidence fields (stored before they existed) reads as undisputed with no evidence', () => {
    const old = fresh();
    expect('manager' in old || 'overrides' in old || 'dispute' in old).toBe(false);
    expect(isDisputed(old)).toBe(false);
  });
});
