/**
 * The manager's confirmation and "was this you?" on fakes: the service asks the target's manager
 * (from the directory only) in a 1:1 chat created by object id, takes the answer from that manager
 * alone, and after a change tells the owner and the manager, whose "This wasn't me" revokes the
 * sessions and alerts the helpdesk channel. Everything audited.
 */
import en from '../../locales/en.json';
import { DirectoryError } from '../../src/core/directory';
import type { Clock, EscalationDraft } from '../../src/core/ports';
import { StoredAudit } from '../../src/infra/storedAudit';
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
const MANAGER = '55555555-5555-4555-8555-555555555555';
const fixedClock = (at: string): Clock => ({ now: () => new Date(at) });

function setUp(options: { manager?: string | null } = {}) {
  const clock = fixedClock('2026-03-02T09:00:00Z');
  const directory = new FakeAdminDirectory()
    .withMethods(summary(TARGET, [{ type: 'mobile', e164: '+447700900999', masked: '+44 ••••••••99' }]))
    .withApprover(APPROVER, 'authenticationAdministrator');
  const manager = options.manager === undefined ? MANAGER : options.manager;
  if (manager) {
    directory.withMethods(summary(manager, [])).withProfile({ id: manager, userPrincipalName: 'johanna@contoso.example', displayName: 'Johanna Lorenz', businessPhones: [] });
    directory.withManager(TARGET, manager);
  }
  const { storage, ...built } = helpdeskOnFakes({ directory, clock, approverIds: [APPROVER] });
  return { ...built, store: storage };
}

function webDraft(): EscalationDraft {
  return {
    channelId: 'webchat',
    assurance: 'unverified',
    targetSignInAddress: TARGET,
    newMobileE164: '+447700900123',
    fix: 'replace-mobile',
    locale: 'en-GB',
    replyTo: { channelId: 'webchat', serviceUrl: 'https://webchat.example/', conversationId: 'web-1', userId: 'visitor' },
  };
}

function teamsDraft(requester = TARGET): EscalationDraft {
  return {
    channelId: 'msteams',
    assurance: 'teams-verified',
    requesterObjectId: requester,
    targetObjectId: TARGET,
    newMobileE164: '+447700900123',
    fix: 'replace-mobile',
    locale: 'en-GB',
    replyTo: { channelId: 'msteams', serviceUrl: CHANNEL.serviceUrl, conversationId: 'a:requester', userId: '29:requester', tenantId: TENANT },
  };
}

function click(verb: string, reference: string, objectId: string, by: Partial<Clicker> = {}): CardClick {
  return { verb, data: { reference }, by: { objectId, tenantId: TENANT, channelId: 'msteams', conversationId: `a:1direct-${objectId}`, authenticated: true, ...by } };
}

const cardText = (answer: { kind: string; card?: { content: unknown } }) => JSON.stringify(answer.card?.content ?? answer);
const kinds = async (audit: StoredAudit, reference: string) => (await audit.list(reference)).map((r) => r.kind);

describe("the manager's confirmation", () => {
  it("asks the target's manager from the directory in a new 1:1 chat, by object id, on the channel's service URL", async () => {
    const { helpdesk, teams, audit } = setUp();
    const { reference } = await helpdesk.submit(webDraft());

    const [sent] = teams.directTo(MANAGER);
    expect(sent?.to).toEqual({ objectId: MANAGER, tenantId: TENANT, serviceUrl: CHANNEL.serviceUrl });
    const json = JSON.stringify(sent?.message.card);
    expect(json).toContain(en.helpdesk.managerCard.askedByWeb);
    expect(json).toContain('Has 22222222-2222-4222-8222-222222222222 told you they changed phones?');
    expect(json).toContain('"verb":"managerYes"');
    expect(json).toContain('"verb":"managerNo"');
    expect(json).toContain(reference);
    expect(json).not.toContain('+447700900123');
    expect(await kinds(audit, reference)).toEqual(expect.arrayContaining(['request', 'posted', 'manager-asked']));
    // The shared card was updated after the evidence changed.
    expect(teams.delivered('update').length).toBeGreaterThan(0);
  });

  it('records no-manager, is-requester and unreachable, and asks nobody', async () => {
    const none = setUp({ manager: null });
    const a = await none.helpdesk.submit(webDraft());
    expect(none.teams.delivered('direct')).toEqual([]);
    expect((await none.audit.list(a.reference)).find((r) => r.kind === 'manager-unavailable')?.detail.reason).toBe('no-manager');

    const self = setUp();
    const b = await self.helpdesk.submit(teamsDraft(MANAGER)); // the manager asks about their report's account
    expect(self.teams.delivered('direct')).toEqual([]);
    expect((await self.audit.list(b.reference)).find((r) => r.kind === 'manager-unavailable')?.detail.reason).toBe('is-requester');

    const down = setUp();
    const real = down.teams.messageUserById.bind(down.teams);
    down.teams.messageUserById = async (to, message) => {
      down.teams.failing = true;
      try {
        return await real(to, message);
      } finally {
        down.teams.failing = false;
      }
    };
    const c = await down.helpdesk.submit(webDraft());
    expect((await down.audit.list(c.reference)).find((r) => r.kind === 'manager-unavailable')?.detail.reason).toBe('unreachable');
  });

  it("takes the answer from the manager asked only; a \"No\" disputes the request and alerts the channel", async () => {
    const { helpdesk, teams, audit } = setUp();
    const { reference } = await helpdesk.submit(webDraft());

    const stranger = await helpdesk.onPersonalAction(click('managerNo', reference, STRANGER));
    expect(cardText(stranger)).toContain(en.helpdesk.managerCard.notAsked);
    const unauthenticated = await helpdesk.onPersonalAction(click('managerNo', reference, MANAGER, { authenticated: false }));
    expect(cardText(unauthenticated)).toContain(en.helpdesk.managerCard.notTeams);
    const fromWeb = await helpdesk.onPersonalAction(click('managerNo', reference, MANAGER, { channelId: 'webchat' }));
    expect(cardText(fromWeb)).toContain(en.helpdesk.managerCard.notTeams);
    expect(teams.delivered('text')).toEqual([]);

    const no = await helpdesk.onPersonalAction(click('managerNo', reference, MANAGER));
    expect(cardText(no)).toContain(en.helpdesk.managerCard.recordedNo.replace(/"/g, '\\"'));
    expect(cardText(no)).not.toContain('"verb":"managerYes"');
    const [alert] = teams.delivered('text');
    expect(alert?.channel).toEqual(CHANNEL);
    expect(alert?.text).toContain(reference);
    expect(alert?.text).toContain('No, or I don');

    const again = await helpdesk.onPersonalAction(click('managerYes', reference, MANAGER));
    expect(cardText(again)).toContain(en.helpdesk.managerCard.alreadyAnswered);

    const records = await audit.list(reference);
    expect(records.filter((r) => r.kind === 'manager-answer')).toEqual([expect.objectContaining({ actor: MANAGER, detail: expect.objectContaining({ answer: 'no' }) })]);
    expect(records.filter((r) => r.kind === 'refusal').map((r) => r.detail.refusal)).toEqual(['not-the-manager-asked', 'manager-not-vouched', 'manager-not-vouched']);
    expect(records.some((r) => r.kind === 'alert' && r.detail.ok === true)).toBe(true);
  });

  it('a "Yes" is recorded without an alert', async () => {
    const { helpdesk, teams, audit } = setUp();
    const { reference } = await helpdesk.submit(teamsDraft());
    expect(teams.directTo(MANAGER)).toHaveLength(1);
    const yes = await helpdesk.onPersonalAction(click('managerYes', reference, MANAGER));
    expect(cardText(yes)).toContain(en.helpdesk.managerCard.recordedYes.replace(/"/g, '\\"'));
    expect(teams.delivered('text')).toEqual([]);
    expect((await audit.list(reference)).find((r) => r.kind === 'manager-answer')?.detail.answer).toBe('yes');
  });
});

describe('"was this you?" after a change', () => {
  async function completed() {
    const env = setUp();
    const { reference } = await env.helpdesk.submit(teamsDraft());
    await env.helpdesk.onPersonalAction(click('managerYes', reference, MANAGER));
    const before = env.teams.delivered('direct').length;
    await env.helpdesk.onCardAction({
      verb: 'replaceMobile',
      data: { reference },
      by: { objectId: APPROVER, name: 'Ada', tenantId: TENANT, channelId: 'msteams', conversationId: CHANNEL.conversationId, authenticated: true },
    });
    return { ...env, reference, notices: env.teams.delivered('direct').slice(before) };
  }

  it('tells the owner (with "This wasn\'t me") and the manager (without) in 1:1 chats', async () => {
    const { notices, reference, audit } = await completed();
    expect(notices.map((n) => n.to.objectId)).toEqual([TARGET, MANAGER]);
    const [owner, manager] = notices.map((n) => JSON.stringify(n.message.card));
    expect(owner).toContain('"verb":"notMe"');
    expect(owner).toContain(reference);
    expect(owner).toContain(en.helpdesk.ownerNotice.what['replace-mobile']);
    expect(manager).not.toContain('"verb":"notMe"');
    expect(manager).toContain(reference);
    expect((await audit.list(reference)).filter((r) => r.kind === 'owner-notice').map((r) => r.detail.to)).toEqual(['owner', 'manager']);
  });

  it("the owner's \"This wasn't me\" revokes the sessions, disputes the request, alerts the channel; anyone else is refused", async () => {
    const { helpdesk, teams, directory, audit, reference } = await completed();

    const manager = await helpdesk.onPersonalAction(click('notMe', reference, MANAGER));
    expect(cardText(manager)).toContain(en.helpdesk.ownerNotice.notOwner);
    const forged = await helpdesk.onPersonalAction(click('notMe', reference, TARGET, { authenticated: false }));
    expect(cardText(forged)).toContain(en.helpdesk.ownerNotice.notOwner);
    expect(directory.revocations).toEqual([]);

    const owner = await helpdesk.onPersonalAction(click('notMe', reference, TARGET));
    expect(cardText(owner)).toContain('signed out everywhere');
    expect(directory.revocations).toEqual([TARGET]);
    const alert = teams.delivered('text').at(-1);
    expect(alert?.text).toContain('URGENT');
    expect(alert?.text).toContain(reference);

    const twice = await helpdesk.onPersonalAction(click('notMe', reference, TARGET));
    expect(cardText(twice)).toContain('Already reported');
    expect(directory.revocations).toEqual([TARGET]);

    const records = await audit.list(reference);
    expect(records.filter((r) => r.kind === 'dispute')).toEqual([expect.objectContaining({ actor: TARGET })]);
    expect(records.find((r) => r.kind === 'sessions-revoked')?.detail.ok).toBe(true);
    expect(records.filter((r) => r.kind === 'refusal').map((r) => r.detail.refusal)).toEqual(['not-the-owner', 'not-the-owner']);
  });

  it('"This wasn\'t me" while Graph is down: the owner and the channel are told the sign-out FAILED, never that it worked', async () => {
    const { helpdesk, teams, directory, audit, reference } = await completed();
    directory.failWith = new DirectoryError('unavailable', 'Graph answered 503');

    const owner = await helpdesk.onPersonalAction(click('notMe', reference, TARGET));
    expect(cardText(owner)).toContain(en.helpdesk.ownerNotice.doneNotRevoked.split('{{')[0]!);
    expect(cardText(owner)).not.toContain('signed out everywhere');
    expect(directory.revocations).toEqual([]);
    const alert = teams.delivered('text').at(-1);
    expect(alert?.text).toContain('FAILED');
    expect(alert?.text).toContain(reference);

    const records = await audit.list(reference);
    expect(records.filter((r) => r.kind === 'dispute')).toHaveLength(1);
    expect(records.find((r) => r.kind === 'sessions-revoked')?.detail.ok).toBe(false);
  });
});
