/**
 * The helpdesk service on fakes: Teams is a RecordingTeams, Graph a FakeAdminDirectory, the stores
 * run over a plain in-memory Storage. botbuilder is made unloadable, so these tests also prove the
 * decisions and Graph actions need no Bot Framework at all.
 */
import en from '../../locales/en.json';
import { CATALOGS } from '../../locales';
import { catalogKeys, Localizer } from '../../src/core/i18n';
import type { Clock, EscalationDraft } from '../../src/core/ports';
import type { CardClick, Clicker } from '../../src/helpdesk/port';
import { FakeAdminDirectory } from '../fakes/adminDirectory';
import { summary } from '../fakes/directory';
import { CHANNEL, helpdeskOnFakes, TENANT } from '../helpers/helpdeskOnFakes';

jest.mock('botbuilder', () => {
  throw new Error('the helpdesk service loaded botbuilder');
});

const TARGET = '22222222-2222-4222-8222-222222222222';
const APPROVER = '33333333-3333-4333-8333-333333333333';
const STRANGER = '44444444-4444-4444-8444-444444444444';
const NEW_MOBILE = '+447700900123';

class HandClock implements Clock {
  current = new Date('2026-03-02T09:00:00Z');
  now(): Date {
    return new Date(this.current);
  }
  advance(minutes: number): void {
    this.current = new Date(this.current.getTime() + minutes * 60_000);
  }
}

function setUp() {
  const clock = new HandClock();
  const directory = new FakeAdminDirectory()
    .withMethods(summary(TARGET, [{ type: 'mobile', e164: '+447700900999', masked: '+44 ••••••••99' }]))
    .withApprover(APPROVER, 'authenticationAdministrator');
  return { ...helpdeskOnFakes({ directory, clock, approverIds: [APPROVER] }), clock };
}

function draft(): EscalationDraft {
  return {
    channelId: 'msteams',
    assurance: 'teams-verified',
    requesterObjectId: TARGET,
    targetObjectId: TARGET,
    newMobileE164: NEW_MOBILE,
    fix: 'replace-mobile',
    locale: 'en-GB',
    replyTo: { channelId: 'msteams', serviceUrl: CHANNEL.serviceUrl, conversationId: 'a:requester-1:1', userId: '29:requester', tenantId: TENANT },
  };
}

function click(verb: string, reference: string, by: Partial<Clicker> = {}): CardClick {
  return {
    verb,
    data: { reference },
    by: { objectId: APPROVER, name: 'Ada Approver', tenantId: TENANT, channelId: 'msteams', conversationId: CHANNEL.conversationId, authenticated: true, ...by },
  };
}

describe('the helpdesk service on a fake Teams port', () => {
  it('posts a request to the helpdesk channel through the port, number masked', async () => {
    const { helpdesk, teams } = setUp();
    const receipt = await helpdesk.submit(draft());

    expect(receipt.delivery).toBe('helpdesk-notified');
    const [post] = teams.delivered('card');
    expect(post?.channel).toEqual(CHANNEL);
    const json = JSON.stringify(post?.card);
    expect(json).toContain(receipt.reference);
    expect(json).not.toContain(NEW_MOBILE);
  });

  it('retries a post that failed from the sweep once it is due, then tells the requester it arrived', async () => {
    const { helpdesk, teams, clock } = setUp();
    teams.failing = true;
    const receipt = await helpdesk.submit(draft());
    expect(receipt.delivery).toBe('retrying');
    expect(teams.delivered('card')).toHaveLength(0);

    teams.failing = false;
    expect((await helpdesk.sweep()).posted).toBe(0); // not due yet: backoff
    clock.advance(2);
    expect((await helpdesk.sweep()).posted).toBe(1);
    expect(teams.delivered('card')).toHaveLength(1);
    const told = teams.delivered('message');
    expect(told).toHaveLength(1);
    expect(told[0]?.to.conversationId).toBe('a:requester-1:1');
    expect(told[0]?.message.text).toContain(receipt.reference);
  });

  it("an approver's click performs exactly one Graph action, updates the shared card and tells the requester", async () => {
    const { helpdesk, teams, directory, audit } = setUp();
    const { reference } = await helpdesk.submit(draft());

    const answer = await helpdesk.onCardAction(click('replaceMobile', reference));
    expect(answer.kind).toBe('card');
    expect(directory.writes).toEqual([`replaceMobile:${TARGET}`]);
    const [posted] = teams.delivered('card');
    const [update] = teams.delivered('update');
    expect(posted?.outcome).toEqual({ ok: true, activityId: update?.post.activityId });
    expect(teams.delivered('message').map((m) => m.message.text).join(' ')).toContain(reference);

    // A second click (the same admin, or another) shows the current state and changes nothing.
    expect((await helpdesk.onCardAction(click('replaceMobile', reference))).kind).toBe('card');
    expect(directory.writes).toHaveLength(1);
    expect((await audit.list(reference)).map((r) => r.kind)).toEqual(expect.arrayContaining(['request', 'posted', 'approval', 'graph-call', 'completed']));
  });

  it("the helpdesk's card and answers stay in the helpdesk's language (HELPDESK_LOCALE); the requester is told in theirs", async () => {
    const clock = new HandClock();
    const directory = new FakeAdminDirectory()
      .withMethods(summary(TARGET, [{ type: 'mobile', e164: '+447700900999', masked: '+44 ••••••••99' }]))
      .withApprover(APPROVER, 'authenticationAdministrator');
    const { helpdesk, teams } = helpdeskOnFakes({ directory, clock, approverIds: [APPROVER], settings: { language: 'ja' } });
    const { reference } = await helpdesk.submit({ ...draft(), locale: 'es-ES' });
    const every = new Localizer(CATALOGS, 'en');
    // Its helpdesk messages (not the lists of words), without placeholders, as a card shows them.
    const helpdeskTexts = (tag: string) => catalogKeys(CATALOGS[tag]!).filter((k) => k.startsWith('helpdesk.') && every.has(tag, k)).map((k) => every.template(tag, k)).filter((t) => !t.includes('{{') && t.length > 3);
    const card = JSON.stringify(teams.delivered('card')[0]?.card);
    expect(helpdeskTexts('ja').filter((t) => card.includes(t)).length).toBeGreaterThan(2);
    expect(helpdeskTexts('es').filter((t) => card.includes(t) && !helpdeskTexts('ja').includes(t))).toEqual([]);
    expect(helpdeskTexts('en').filter((t) => card.includes(t) && !helpdeskTexts('ja').includes(t))).toEqual([]);

    await helpdesk.onCardAction(click('replaceMobile', reference));
    const told = teams.delivered('message').map((m) => m.message.text ?? '');
    // The Spanish notice, whatever its placeholders hold: its fixed words before the first one.
    const spanish = every.template('es', 'notify.completed.replace-mobile').split('{{')[0]!;
    expect(spanish.length).toBeGreaterThan(5);
    expect(told.filter((t) => t.includes(spanish) && t.includes(reference))).toHaveLength(1);
  });

  it('refuses a click from someone who is not an approver, with no Graph action, and audits it', async () => {
    const { helpdesk, directory, audit } = setUp();
    const { reference } = await helpdesk.submit(draft());

    const answer = await helpdesk.onCardAction(click('issueTap', reference, { objectId: STRANGER }));
    // A 200 card for the person who clicked, saying why (a bare 403 shows nothing in Teams), without the full number.
    expect(answer.kind).toBe('card');
    expect(JSON.stringify(answer)).toContain(en.helpdesk.refusal['not-an-approver']);
    expect(JSON.stringify(answer)).not.toContain(NEW_MOBILE);
    expect(directory.writes).toEqual([]);
    expect((await audit.list(reference)).at(-1)).toMatchObject({ kind: 'refusal', actor: STRANGER, detail: { refusal: 'not-an-approver' } });
  });

  it('refuses a click from outside the helpdesk channel before any directory lookup', async () => {
    const { helpdesk, directory } = setUp();
    const { reference } = await helpdesk.submit(draft());
    const before = directory.lookups.length;

    const answer = await helpdesk.onCardAction(click('replaceMobile', reference, { channelId: 'webchat', authenticated: false }));
    expect(answer.kind).toBe('card');
    expect(JSON.stringify(answer)).toContain(en.helpdesk.refusal['not-teams']);
    expect(JSON.stringify(answer)).not.toContain(NEW_MOBILE);
    expect(directory.lookups.length).toBe(before);
    expect(directory.writes).toEqual([]);
  });
});
