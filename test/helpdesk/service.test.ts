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
import type { HelpdeskSettings } from '../../src/helpdesk/service';
import { DirectoryError } from '../../src/core/directory';
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

function setUp(settings: Partial<HelpdeskSettings> = {}) {
  const clock = new HandClock();
  const directory = new FakeAdminDirectory()
    .withMethods(summary(TARGET, [{ type: 'mobile', e164: '+447700900999', masked: '+44 ••••••••99' }]))
    .withApprover(APPROVER, 'authenticationAdministrator');
  return { ...helpdeskOnFakes({ directory, clock, approverIds: [APPROVER], settings }), clock };
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
    const { helpdesk, teams } = setUp({ language: 'ja' });
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

  describe('a second open request for the same account (a duplicate)', () => {
    // Two web visitors asking about one account: the second request is kept (refusing it would
    // tell a stranger one is pending) but waits for the first, so one account never gets two
    // passes from two requests, and an impersonator racing the owner cannot be approved first.
    // REQUIRE_MANAGER_CONFIRMATION=never, so nothing else stands in the way.
    const visitor = (n: number): EscalationDraft => ({
      ...draft(),
      channelId: 'webchat',
      assurance: 'unverified',
      requesterObjectId: undefined,
      targetSignInAddress: 'ana@contoso.com',
      fix: 'temporary-access-pass',
      replyTo: { channelId: 'webchat', serviceUrl: 'https://webchat.example/', conversationId: `dl-${n}`, userId: `dl-user-${n}` },
    });
    const twoRequests = async () => {
      const fakes = setUp({ requireManagerConfirmation: 'never' });
      const original = (await fakes.helpdesk.submit(visitor(1))).reference;
      const duplicate = (await fakes.helpdesk.submit(visitor(2))).reference;
      expect((await fakes.store.get(duplicate))?.duplicateOf).toBe(original);
      return { ...fakes, original, duplicate };
    };
    // As it appears inside a card's JSON.
    const waitText = JSON.stringify(en.helpdesk.refusal['duplicate-original-open']).slice(1, -1);

    it('cannot be approved or overridden while the original is open; the approver is told why and it is audited', async () => {
      const { helpdesk, directory, audit, duplicate, original } = await twoRequests();

      for (const verb of ['issueTap', 'replaceMobile', 'requireReRegistration']) {
        const answer = await helpdesk.onCardAction(click(verb, duplicate));
        expect(answer.kind).toBe('card');
        expect(JSON.stringify(answer)).toContain(waitText);
      }
      const overridden = await helpdesk.onCardAction({ ...click('override', duplicate), data: { reference: duplicate, overrideReason: 'Called back on the directory number' } });
      expect(JSON.stringify(overridden)).toContain(waitText);
      // Looking at it says the same, before anyone tries.
      expect(JSON.stringify(await helpdesk.onCardAction(click('refresh', duplicate)))).toContain(waitText);

      expect(directory.writes).toEqual([]);
      const refusals = (await audit.list(duplicate)).filter((r) => r.kind === 'refusal');
      expect(refusals.map((r) => r.detail)).toEqual(
        ['issueTap', 'replaceMobile', 'requireReRegistration', 'override'].map((verb) => expect.objectContaining({ verb, refusal: 'duplicate-original-open', openOriginal: original })),
      );
      expect((await audit.list(duplicate)).some((r) => r.kind === 'override')).toBe(false);
    });

    it('can be denied at once, and the original is still acted on as usual', async () => {
      const { helpdesk, directory, store, duplicate, original } = await twoRequests();
      await helpdesk.onCardAction({ ...click('deny', duplicate), data: { reference: duplicate, reason: 'Same account as the request before it' } });
      expect((await store.get(duplicate))?.state).toBe('denied');
      expect(JSON.stringify(await helpdesk.onCardAction(click('issueTap', original)))).not.toContain(waitText);
      expect(directory.writes).toEqual([`issueTemporaryAccessPass:${TARGET}`]);
    });

    it('is judged on its own evidence once the original is closed', async () => {
      const { helpdesk, directory, store, duplicate, original } = await twoRequests();
      await helpdesk.onCardAction({ ...click('deny', original), data: { reference: original, reason: 'The owner did not ask for this' } });
      expect((await store.get(original))?.state).toBe('denied');

      const answer = await helpdesk.onCardAction(click('issueTap', duplicate));
      expect(JSON.stringify(answer)).not.toContain(waitText);
      expect(directory.writes).toEqual([`issueTemporaryAccessPass:${TARGET}`]);
    });

    it('is noted on the original: listed, its card in the channel updated in place with a warning, and audited there', async () => {
      const { helpdesk, teams, store, audit, duplicate, original } = await twoRequests();
      expect((await store.get(original))?.laterDuplicates).toEqual([duplicate]);
      const originalPost = teams.delivered('card').find((c) => JSON.stringify(c.card).includes(original) && !JSON.stringify(c.card).includes(duplicate));
      const postedAs = originalPost?.outcome.ok ? originalPost.outcome.activityId : 'not posted';
      const update = teams.delivered('update').filter((u) => u.post.activityId === postedAs).at(-1);
      // The duplicate's own card reaches the channel first; the warning on the original follows.
      const duplicatePost = teams.sent.findIndex((s) => s.kind === 'card' && JSON.stringify(s.card).includes(duplicate));
      expect(duplicatePost).toBeGreaterThan(-1);
      expect(teams.sent.indexOf(update!)).toBeGreaterThan(duplicatePost);
      const warning = en.helpdesk.evidence.laterDuplicates.replace('{{references}}', duplicate);
      expect(JSON.stringify(update?.card)).toContain(JSON.stringify(warning).slice(1, -1));
      expect(JSON.stringify(update?.card)).not.toContain(NEW_MOBILE);
      expect((await audit.list(original)).filter((r) => r.kind === 'duplicate-received').map((r) => r.detail)).toEqual([{ duplicate }]);
      // The approver deciding the original sees it too.
      expect(JSON.stringify(await helpdesk.onCardAction(click('details', original)))).toContain(JSON.stringify(warning).slice(1, -1));
    });

    it('a store that fails while noting it does not fail the duplicate', async () => {
      const { helpdesk, store, original, duplicate } = await twoRequests();
      const update = store.update.bind(store);
      jest.spyOn(store, 'update').mockImplementation(async (reference, change) => {
        const probe = change(structuredClone((await store.get(reference))!));
        if (probe.laterDuplicates?.length) throw new Error('storage unavailable');
        return update(reference, change);
      });
      const third = await helpdesk.submit(visitor(3));
      expect(third.delivery).toBe('helpdesk-notified');
      expect((await store.get(third.reference))?.duplicateOf).toBe(original);
      expect((await store.get(original))?.laterDuplicates).toEqual([duplicate]);
    });

    it('with Teams and Graph down the duplicate is told only what happened; the original still lists it, and the failed update is audited', async () => {
      const { helpdesk, teams, directory, store, audit } = setUp({ requireManagerConfirmation: 'never' });
      const original = (await helpdesk.submit(visitor(1))).reference;
      teams.failing = true;
      directory.failWith = new DirectoryError('unavailable', 'Graph is down');
      const receipt = await helpdesk.submit(visitor(2));
      // Its card did not reach the channel: "will be tried again", never "sent".
      expect(receipt.delivery).toBe('retrying');
      expect((await store.get(original))?.laterDuplicates).toEqual([receipt.reference]);
      const trail = await audit.list(original);
      expect(trail.filter((r) => r.kind === 'duplicate-received').map((r) => r.detail)).toEqual([{ duplicate: receipt.reference }]);
      expect(trail.filter((r) => r.kind === 'card-update').map((r) => r.detail)).toEqual([expect.objectContaining({ ok: false })]);
    });

    it('fails closed when the original cannot be read', async () => {
      const { helpdesk, directory, store, duplicate, original } = await twoRequests();
      const get = store.get.bind(store);
      jest.spyOn(store, 'get').mockImplementation(async (reference: string) => {
        if (reference === original) throw new Error('storage unavailable');
        return get(reference);
      });
      expect(JSON.stringify(await helpdesk.onCardAction(click('issueTap', duplicate)))).toContain(waitText);
      expect(directory.writes).toEqual([]);
    });
  });
});
