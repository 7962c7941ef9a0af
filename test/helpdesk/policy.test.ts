/**
 * The evidence policy enforced at the click (HelpdeskService.onCardAction), on fakes: what an
 * approver may do for an unverified web request, with an override, when the manager said "No",
 * and for an admin target; every refusal a 200 card for the person who clicked.
 */
import en from '../../locales/en.json';
import type { Clock, EscalationDraft } from '../../src/core/ports';
import { applyEvent } from '../../src/core/tickets';
import type { CardClick } from '../../src/helpdesk/port';
import { TicketStore } from '../../src/infra/ticketStore';
import { FakeAdminDirectory } from '../fakes/adminDirectory';
import { summary } from '../fakes/directory';
import { CHANNEL, helpdeskOnFakes, TENANT } from '../helpers/helpdeskOnFakes';

jest.mock('botbuilder', () => {
  throw new Error('the helpdesk service loaded botbuilder');
});

const TARGET = '22222222-2222-4222-8222-222222222222';
const AA = '33333333-3333-4333-8333-333333333333';
const AA2 = '55555555-5555-4555-8555-555555555555';
const PAA = '66666666-6666-4666-8666-666666666666';
const MANAGER = '77777777-7777-4777-8777-777777777777';
const NEW_MOBILE = '+447700900123';

const clock: Clock = { now: () => new Date('2026-03-02T09:00:00Z') };

function setUp(targetIsAdmin = false) {
  const directory = new FakeAdminDirectory()
    .withMethods(summary(TARGET, [{ type: 'mobile', e164: '+447700900999', masked: '+44 ••••••••99' }]))
    .withApprover(AA, 'authenticationAdministrator')
    .withApprover(AA2, 'authenticationAdministrator')
    .withApprover(PAA, 'privilegedAuthenticationAdministrator');
  if (targetIsAdmin) directory.asAdmin(TARGET);
  return helpdeskOnFakes({ directory, clock, approverIds: [AA], settings: { requireManagerConfirmation: 'unverified' } });
}

function webDraft(): EscalationDraft {
  return {
    channelId: 'webchat',
    assurance: 'unverified',
    targetObjectId: TARGET,
    newMobileE164: NEW_MOBILE,
    fix: 'replace-mobile',
    locale: 'en-GB',
    replyTo: { channelId: 'webchat', serviceUrl: 'https://directline.example/', conversationId: 'web-1', userId: 'dl_visitor' },
  };
}

function click(verb: string, reference: string, by: string, data: Record<string, unknown> = {}): CardClick {
  return {
    verb,
    data: { reference, ...data },
    by: { objectId: by, name: `Approver ${by.slice(0, 4)}`, tenantId: TENANT, channelId: 'msteams', conversationId: CHANNEL.conversationId, authenticated: true },
  };
}

const text = (answer: unknown) => JSON.stringify(answer);

/** The manager was asked and answered: applied through the store directly, as H14's card would. */
async function managerAnswers(store: TicketStore, reference: string, answer: 'yes' | 'no'): Promise<void> {
  await store.update(reference, (t) => applyEvent(t, { type: 'manager-asked', managerObjectId: MANAGER, at: clock.now() }));
  await store.update(reference, (t) => applyEvent(t, { type: 'manager-answer', by: MANAGER, answer, at: clock.now() }));
}

describe('the evidence policy at the click', () => {
  it('an unverified web request: replace and pass are refused with a 200 card offering an override; nothing changes', async () => {
    const { helpdesk, directory, audit } = setUp();
    const { reference } = await helpdesk.submit(webDraft());

    for (const verb of ['replaceMobile', 'issueTap', 'requireReRegistration']) {
      const answer = await helpdesk.onCardAction(click(verb, reference, AA));
      expect(answer.kind).toBe('card');
      expect(text(answer)).toContain('Nothing vouches for this requester yet');
      expect(text(answer)).toContain('"verb":"override"');
      expect(text(answer)).toContain(en.helpdesk.level.unverified);
    }
    expect(directory.writes).toEqual([]);
    expect((await audit.list(reference)).filter((r) => r.kind === 'refusal').map((r) => r.detail.refusal)).toEqual([
      'needs-manager-confirmation',
      'needs-manager-confirmation',
      'needs-manager-confirmation',
    ]);
    // Deny needs no evidence: a suspicious request must always be closable.
    expect((await helpdesk.onCardAction(click('deny', reference, AA, { reason: 'No call-back possible' }))).kind).toBe('card');
  });

  it('an override with a written reason is recorded, shown, audited, and then the approver can act', async () => {
    const { helpdesk, directory, audit, store } = setUp();
    const { reference } = await helpdesk.submit(webDraft());

    const empty = await helpdesk.onCardAction(click('override', reference, AA, { overrideReason: '   ' }));
    expect(text(empty)).toContain(en.helpdesk.refusal['override-reason-missing']);

    const over = await helpdesk.onCardAction(click('override', reference, AA, { overrideReason: 'Video call, matched the directory photo' }));
    expect(over.kind).toBe('card');
    expect(text(over)).toContain('Video call, matched the directory photo');
    expect(text(over)).not.toContain('"verb":"override"');
    expect((await store.get(reference))?.overrides).toEqual([expect.objectContaining({ byObjectId: AA, reason: 'Video call, matched the directory photo' })]);
    const record = (await audit.list(reference)).find((r) => r.kind === 'override');
    expect(record).toMatchObject({ actor: AA, detail: { reasonLength: 39, reason: 'Video call, matched the directory photo' } });

    expect((await helpdesk.onCardAction(click('replaceMobile', reference, AA))).kind).toBe('card');
    expect(directory.writes).toEqual([`replaceMobile:${TARGET}`]);
  });

  it("the manager's Yes lets an approver act without an override", async () => {
    const { helpdesk, directory, store } = setUp();
    const { reference } = await helpdesk.submit(webDraft());
    await managerAnswers(store, reference, 'yes');
    await helpdesk.onCardAction(click('issueTap', reference, AA));
    expect(directory.writes).toEqual([`issueTemporaryAccessPass:${TARGET}`]);
  });

  it("the manager's No blocks every action until a second, different approver overrides", async () => {
    const { helpdesk, directory, store } = setUp();
    const { reference } = await helpdesk.submit(webDraft());
    await managerAnswers(store, reference, 'no');

    const blocked = await helpdesk.onCardAction(click('replaceMobile', reference, AA));
    expect(text(blocked)).toContain(en.helpdesk.level.disputed);
    expect(text(blocked)).toContain('two different approvers must override');
    await helpdesk.onCardAction(click('override', reference, AA, { overrideReason: 'Manager is new, spoke to HR' }));
    const again = await helpdesk.onCardAction(click('override', reference, AA, { overrideReason: 'Once more' }));
    expect(text(again)).toContain(en.helpdesk.refusal['override-already-given']);
    await helpdesk.onCardAction(click('replaceMobile', reference, AA));
    expect(directory.writes).toEqual([]);

    await helpdesk.onCardAction(click('override', reference, AA2, { overrideReason: 'Second check: video call' }));
    await helpdesk.onCardAction(click('replaceMobile', reference, AA2));
    expect(directory.writes).toEqual([`replaceMobile:${TARGET}`]);
  });

  it("an admin target needs the manager's Yes and a Privileged Authentication Administrator; no override stands in", async () => {
    const { helpdesk, directory, store } = setUp(true);
    const { reference } = await helpdesk.submit(webDraft());

    expect(text(await helpdesk.onCardAction(click('issueTap', reference, AA)))).toContain(en.helpdesk.refusal['admin-target-needs-privileged-role']);
    expect(text(await helpdesk.onCardAction(click('issueTap', reference, PAA)))).toContain('no override can replace it');
    expect(text(await helpdesk.onCardAction(click('override', reference, PAA, { overrideReason: 'Trust me' })))).toContain('no override can replace it');
    expect(directory.writes).toEqual([]);

    await managerAnswers(store, reference, 'yes');
    expect(text(await helpdesk.onCardAction(click('issueTap', reference, AA)))).toContain(en.helpdesk.refusal['admin-target-needs-privileged-role']);
    await helpdesk.onCardAction(click('issueTap', reference, PAA));
    expect(directory.writes).toEqual([`issueTemporaryAccessPass:${TARGET}`]);
  });
});
