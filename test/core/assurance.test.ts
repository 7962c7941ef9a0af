import en from '../../locales/en.json';
import es from '../../locales/es.json';
import {
  assuranceLevel,
  decide,
  evidenceOf,
  EVIDENCE_REFUSALS,
  refuseOverride,
  type AssuranceLevel,
  type Evidence,
  type EvidenceRefusal,
  type ManagerConfirmationSetting,
  type Override,
  type PolicyAction,
  type PolicyDecision,
} from '../../src/core/assurance';
import type { ApproverRole } from '../../src/core/directory';
import type { EscalationDraft } from '../../src/core/ports';
import { applyEvent, newTicket, type Ticket } from '../../src/core/tickets';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '0b5b2e1f-0000-4000-8000-00000000dead';
const REQUESTER = '11111111-aaaa-4bbb-8ccc-000000000001';
const TARGET = '22222222-aaaa-4bbb-8ccc-000000000002';
const APPROVER = '33333333-aaaa-4bbb-8ccc-000000000003';
const APPROVER_2 = '44444444-aaaa-4bbb-8ccc-000000000004';
const APPROVER_3 = '55555555-aaaa-4bbb-8ccc-000000000005';
const MANAGER = '66666666-aaaa-4bbb-8ccc-000000000006';
const AT = '2025-06-01T10:05:00.000Z';

const webChat = (extra: Partial<Evidence> = {}): Evidence => ({
  requester: { assurance: 'unverified' },
  target: { objectId: TARGET },
  tenantId: TENANT,
  ...extra,
});
const managerSaid = (answer: 'yes' | 'no', by = MANAGER): Evidence['manager'] => ({ status: 'answered', managerObjectId: MANAGER, answer, byObjectId: by, at: AT });
const override = (by: string, whileDisputed: boolean, reason = 'Called them back on the directory number'): Override => ({ byObjectId: by, reason, at: AT, whileDisputed });

/** One evidence per level, the way each arises in practice. */
const EVIDENCE: Record<AssuranceLevel, Evidence> = {
  'teams-verified': { requester: { assurance: 'teams-verified', objectId: TARGET, tenantId: TENANT }, target: { objectId: TARGET }, tenantId: TENANT },
  'manager-confirmed': webChat({ manager: managerSaid('yes') }),
  unverified: webChat(),
  disputed: webChat({ manager: managerSaid('no') }),
};

describe('assuranceLevel', () => {
  const teams = (requester: Partial<Evidence['requester']>, extra: Partial<Evidence> = {}): Evidence => ({
    ...EVIDENCE['teams-verified'],
    requester: { ...EVIDENCE['teams-verified'].requester, ...requester },
    ...extra,
  });
  test.each(([
    ['the owner signed in to Teams, in our tenant', EVIDENCE['teams-verified'], 'teams-verified'],
    ['ids and tenants compare case-insensitively', teams({ objectId: TARGET.toUpperCase(), tenantId: ` ${TENANT.toUpperCase()} ` }), 'teams-verified'],
    ['a Teams user from another tenant', teams({ tenantId: OTHER_TENANT }), 'unverified'],
    ['a Teams user with no tenant in the activity', teams({ tenantId: undefined }), 'unverified'],
    ['no tenant configured: a Teams sign-in proves nothing here', teams({}, { tenantId: undefined }), 'unverified'],
    ['a signed-in colleague asking about someone else', teams({ objectId: REQUESTER }), 'unverified'],
    ['Teams without channel authentication (local mode)', teams({ assurance: 'teams-unauthenticated' }), 'unverified'],
    ['anonymous web chat', webChat(), 'unverified'],
    ['web chat, manager asked but silent', webChat({ manager: { status: 'asked', managerObjectId: MANAGER, at: AT } }), 'unverified'],
    ['web chat, no manager in the directory', webChat({ manager: { status: 'unavailable', reason: 'no-manager', at: AT } }), 'unverified'],
    ['web chat, manager unreachable', webChat({ manager: { status: 'unavailable', reason: 'unreachable', at: AT } }), 'unverified'],
    ['web chat, manager said yes', webChat({ manager: managerSaid('yes') }), 'manager-confirmed'],
    ['Teams owner and the manager said yes', { ...EVIDENCE['teams-verified'], manager: managerSaid('yes') }, 'manager-confirmed'],
    ['a yes from someone other than the manager asked', webChat({ manager: managerSaid('yes', APPROVER) }), 'unverified'],
    ['a yes from the requester, even as the manager asked', { ...teams({ objectId: MANAGER }), target: { objectId: TARGET }, manager: managerSaid('yes') }, 'unverified'],
    ['manager said no', webChat({ manager: managerSaid('no') }), 'disputed'],
    ['manager said no to a Teams-verified request', { ...EVIDENCE['teams-verified'], manager: managerSaid('no') }, 'disputed'],
    ['the owner said it was not them, after the manager said yes', webChat({ manager: managerSaid('yes'), dispute: { byObjectId: TARGET, at: AT } }), 'disputed'],
    ['the owner disputed a Teams-verified request', { ...EVIDENCE['teams-verified'], dispute: { byObjectId: TARGET, at: AT } }, 'disputed'],
    ['overrides do not change the level', webChat({ overrides: [override(APPROVER, false)] }), 'unverified'],
  ] as [string, Evidence, AssuranceLevel][]).map(([name, evidence, expected]) => [name, expected, evidence] as const))('%s -> %s', (_name, expected, evidence) => {
    expect(assuranceLevel(evidence)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// The matrix: every level × action × admin/non-admin × role × setting, against the rules of issue 12
// written out independently of the implementation.

const LEVELS: AssuranceLevel[] = ['teams-verified', 'manager-confirmed', 'unverified', 'disputed'];
const ACTIONS: PolicyAction[] = ['replace-mobile', 'temporary-access-pass', 'require-re-registration', 'deny'];
const ROLES: (ApproverRole | undefined)[] = ['privilegedAuthenticationAdministrator', 'authenticationAdministrator', 'helpdeskGroup', undefined];
const SETTINGS: ManagerConfirmationSetting[] = ['unverified', 'always', 'never'];
/** Whether the request duplicates another request for the account that is still open. */
const ORIGINALS = ['no open original', 'duplicate of an open request'] as const;
type Original = (typeof ORIGINALS)[number];
const OPEN_ORIGINAL = 'HD-7Q4M-2XKP';

type Expected = 'allow' | EvidenceRefusal | `needs-override:${'needs-manager-confirmation' | 'disputed'}:${number}`;

function rule(level: AssuranceLevel, action: PolicyAction, admin: boolean, role: ApproverRole | undefined, setting: ManagerConfirmationSetting, original: Original): Expected {
  if (!role) return 'not-an-approver';
  if (admin && role !== 'privilegedAuthenticationAdministrator') return 'admin-target-needs-privileged-role';
  if (action === 'deny') return 'allow';
  // Whatever the evidence: the original is decided first.
  if (original === 'duplicate of an open request') return 'duplicate-original-open';
  if (admin) return level === 'manager-confirmed' ? 'allow' : level === 'disputed' ? 'admin-target-disputed' : 'admin-target-needs-manager-confirmation';
  if (level === 'disputed') return 'needs-override:disputed:2';
  const needsManager = { unverified: level === 'unverified', always: level !== 'manager-confirmed', never: false }[setting];
  return needsManager ? 'needs-override:needs-manager-confirmation:1' : 'allow';
}

const flatten = (d: PolicyDecision): Expected =>
  d.verdict === 'allow' ? 'allow' : d.verdict === 'refuse' ? d.code : `needs-override:${d.code}:${d.overridesNeeded}`;

const MATRIX = LEVELS.flatMap((level) =>
  ACTIONS.flatMap((action) =>
    [false, true].flatMap((admin) =>
      ROLES.flatMap((role) =>
        SETTINGS.flatMap((setting) =>
          ORIGINALS.map((original) => [level, action, admin ? 'admin' : 'user', role ?? 'no role', setting, original, rule(level, action, admin, role, setting, original)] as const),
        ),
      ),
    ),
  ),
);

describe('decide: the matrix', () => {
  test.each(MATRIX)('%s, %s, %s target, %s, REQUIRE_MANAGER_CONFIRMATION=%s, %s -> %s', (level, action, target, role, setting, original, expected) => {
    const decision = decide({
      evidence: original === 'duplicate of an open request' ? { ...EVIDENCE[level], openOriginal: OPEN_ORIGINAL } : EVIDENCE[level],
      action,
      targetIsAdmin: target === 'admin',
      approver: { objectId: APPROVER, role: role === 'no role' ? undefined : role },
      settings: { requireManagerConfirmation: setting },
    });
    expect(flatten(decision)).toBe(expected);
    expect(decision.level).toBe(level);
  });

  test('the matrix has every combination, and the defaults block what the issue says', () => {
    expect(MATRIX).toHaveLength(4 * 4 * 2 * 4 * 3 * 2);
    const at = (level: AssuranceLevel, action: PolicyAction, admin = false, setting: ManagerConfirmationSetting = 'unverified', original: Original = 'no open original') =>
      MATRIX.find(([l, a, t, r, s, o]) => l === level && a === action && t === (admin ? 'admin' : 'user') && r === 'authenticationAdministrator' && s === setting && o === original)![6];
    // Spelled out, so a wrong oracle cannot agree with a wrong implementation unnoticed.
    expect(at('unverified', 'temporary-access-pass')).toBe('needs-override:needs-manager-confirmation:1');
    expect(at('unverified', 'replace-mobile')).toBe('needs-override:needs-manager-confirmation:1');
    expect(at('unverified', 'deny')).toBe('allow');
    expect(at('manager-confirmed', 'replace-mobile')).toBe('allow');
    expect(at('teams-verified', 'temporary-access-pass')).toBe('allow');
    expect(at('teams-verified', 'temporary-access-pass', false, 'always')).toBe('needs-override:needs-manager-confirmation:1');
    expect(at('unverified', 'temporary-access-pass', false, 'never')).toBe('allow');
    expect(at('disputed', 'replace-mobile', false, 'never')).toBe('needs-override:disputed:2');
    expect(at('disputed', 'deny')).toBe('allow');
    expect(at('manager-confirmed', 'replace-mobile', true)).toBe('admin-target-needs-privileged-role');
    // A second open request for the account waits for the first, however well vouched for.
    expect(at('manager-confirmed', 'temporary-access-pass', false, 'never', 'duplicate of an open request')).toBe('duplicate-original-open');
    expect(at('teams-verified', 'replace-mobile', false, 'unverified', 'duplicate of an open request')).toBe('duplicate-original-open');
    expect(at('unverified', 'deny', false, 'unverified', 'duplicate of an open request')).toBe('allow');
  });
});

describe('decide: overrides', () => {
  const tap = (evidence: Evidence, extra: { admin?: boolean; setting?: ManagerConfirmationSetting; by?: string; role?: ApproverRole } = {}) =>
    flatten(
      decide({
        evidence,
        action: 'temporary-access-pass',
        targetIsAdmin: extra.admin ?? false,
        approver: { objectId: extra.by ?? APPROVER, role: extra.role ?? (extra.admin ? 'privilegedAuthenticationAdministrator' : 'authenticationAdministrator') },
        settings: { requireManagerConfirmation: extra.setting ?? 'unverified' },
      }),
    );
  const teamsColleague: Evidence = { requester: { assurance: 'teams-verified', objectId: REQUESTER, tenantId: TENANT }, target: { objectId: TARGET }, tenantId: TENANT };

  test.each(([
    ['unverified, one override with a reason: allowed, to the overrider too', webChat({ overrides: [override(APPROVER, false)] }), 'allow'],
    ['unverified, one override by another approver: allowed', webChat({ overrides: [override(APPROVER_2, false)] }), 'allow'],
    ['unverified, an override with a blank reason counts for nothing', webChat({ overrides: [override(APPROVER_2, false, '   ')] }), 'needs-override:needs-manager-confirmation:1'],
    ['unverified, an override by the requester counts for nothing', { ...teamsColleague, overrides: [override(REQUESTER, false)] }, 'needs-override:needs-manager-confirmation:1'],
    ['unverified, an override by the target counts for nothing', webChat({ overrides: [override(TARGET.toUpperCase(), false)] }), 'needs-override:needs-manager-confirmation:1'],
    ['disputed, no override', EVIDENCE.disputed, 'needs-override:disputed:2'],
    ['disputed, a first override', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER_2, true)] }), 'needs-override:disputed:1'],
    ['disputed, the same approver twice (any case) is still one', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER_2, true), override(APPROVER_2.toUpperCase(), true)] }), 'needs-override:disputed:1'],
    ['disputed, a second approver overrides: unblocked', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER_2, true), override(APPROVER_3, true)] }), 'allow'],
    ['disputed, the clicker may be one of the two', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER, true), override(APPROVER_2, true)] }), 'allow'],
    ['disputed, an override from before the dispute does not count', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER_2, false), override(APPROVER_3, true)] }), 'needs-override:disputed:1'],
    ['disputed, the requester as second overrider does not count', { ...teamsColleague, manager: managerSaid('no'), overrides: [override(APPROVER_2, true), override(REQUESTER, true)] }, 'needs-override:disputed:1'],
    ['disputed, the target as second overrider does not count', webChat({ dispute: { byObjectId: TARGET, at: AT }, overrides: [override(APPROVER_2, true), override(TARGET, true)] }), 'needs-override:disputed:1'],
    ['disputed by the owner, two approvers override', webChat({ dispute: { byObjectId: TARGET, at: AT }, overrides: [override(APPROVER_2, true), override(APPROVER_3, true)] }), 'allow'],
  ] as [string, Evidence, Expected][]).map(([name, evidence, expected]) => [name, expected, evidence] as const))('%s -> %s', (_name, expected, evidence) => {
    expect(tap(evidence)).toBe(expected);
  });

  test('never: unverified is allowed, but a dispute still needs two overrides and an admin still needs the manager', () => {
    expect(tap(EVIDENCE.unverified, { setting: 'never' })).toBe('allow');
    expect(tap(EVIDENCE.disputed, { setting: 'never' })).toBe('needs-override:disputed:2');
    expect(tap(EVIDENCE.unverified, { setting: 'never', admin: true })).toBe('admin-target-needs-manager-confirmation');
    expect(tap(EVIDENCE['teams-verified'], { setting: 'never', admin: true })).toBe('admin-target-needs-manager-confirmation');
  });

  test('always: a Teams-verified owner needs the manager or an override', () => {
    expect(tap(EVIDENCE['teams-verified'], { setting: 'always' })).toBe('needs-override:needs-manager-confirmation:1');
    expect(tap({ ...EVIDENCE['teams-verified'], overrides: [override(APPROVER_2, false)] }, { setting: 'always' })).toBe('allow');
  });

  test('an admin target: no override replaces the manager, and a dispute can only be denied', () => {
    const overridden = webChat({ overrides: [override(APPROVER_2, false), override(APPROVER_3, false)] });
    expect(tap(overridden, { admin: true })).toBe('admin-target-needs-manager-confirmation');
    expect(tap(webChat({ manager: managerSaid('no'), overrides: [override(APPROVER_2, true), override(APPROVER_3, true)] }), { admin: true })).toBe('admin-target-disputed');
    expect(tap(EVIDENCE['manager-confirmed'], { admin: true })).toBe('allow');
    expect(tap(EVIDENCE['manager-confirmed'], { admin: true, role: 'authenticationAdministrator' })).toBe('admin-target-needs-privileged-role');
  });

  test('four eyes is repeated here: the requester and the target never act, not even to deny', () => {
    const evidence = { ...teamsColleague, manager: managerSaid('yes') };
    const as = (by: string, action: PolicyAction) =>
      flatten(decide({ evidence, action, targetIsAdmin: false, approver: { objectId: by, role: 'privilegedAuthenticationAdministrator' }, settings: { requireManagerConfirmation: 'unverified' } }));
    expect(as(REQUESTER, 'deny')).toBe('own-request');
    expect(as(TARGET.toUpperCase(), 'replace-mobile')).toBe('own-account');
    expect(as(' ', 'deny')).toBe('not-an-approver');
    expect(as(APPROVER, 'replace-mobile')).toBe('allow');
  });
});

describe('refuseOverride', () => {
  const check = (evidence: Evidence, extra: { by?: string; reason?: string; admin?: boolean; role?: ApproverRole | null; setting?: ManagerConfirmationSetting } = {}) =>
    refuseOverride({
      evidence,
      targetIsAdmin: extra.admin ?? false,
      approver: { objectId: extra.by ?? APPROVER, role: extra.role === null ? undefined : (extra.role ?? 'helpdeskGroup') },
      settings: { requireManagerConfirmation: extra.setting ?? 'unverified' },
      reason: extra.reason ?? 'Called back on the directory number; it was them',
    });
  const colleague: Evidence = { requester: { assurance: 'teams-verified', objectId: REQUESTER, tenantId: TENANT }, target: { objectId: TARGET }, tenantId: TENANT };

  test.each(([
    ['unverified, an approver with a reason', EVIDENCE.unverified, {}, undefined],
    ['disputed, the first overrider', EVIDENCE.disputed, {}, undefined],
    ['disputed, a second approver', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER_2, true)] }), {}, undefined],
    ['disputed, who overrode before the dispute may override again', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER, false)] }), {}, undefined],
    ['no reason', EVIDENCE.unverified, { reason: '  ' }, 'override-reason-missing'],
    ['the same approver twice while disputed', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER.toUpperCase(), true)] }), {}, 'override-already-given'],
    ['the requester', colleague, { by: REQUESTER }, 'own-request'],
    ['the target', EVIDENCE.unverified, { by: TARGET }, 'own-account'],
    ['not an approver', EVIDENCE.unverified, { role: null }, 'not-an-approver'],
    ['nothing to override: the manager said yes', EVIDENCE['manager-confirmed'], {}, 'override-not-needed'],
    ['nothing to override: the owner in Teams', EVIDENCE['teams-verified'], {}, 'override-not-needed'],
    ['nothing to override: already overridden', webChat({ overrides: [override(APPROVER_2, false)] }), {}, 'override-not-needed'],
    ['nothing to override: two approvers unblocked the dispute', webChat({ manager: managerSaid('no'), overrides: [override(APPROVER_2, true), override(APPROVER_3, true)] }), {}, 'override-not-needed'],
    ['nothing to override under never', EVIDENCE.unverified, { setting: 'never' }, 'override-not-needed'],
    ['an admin target: an override cannot replace the manager', EVIDENCE.unverified, { admin: true, role: 'privilegedAuthenticationAdministrator' }, 'admin-target-needs-manager-confirmation'],
    ['an admin target that is disputed', EVIDENCE.disputed, { admin: true, role: 'privilegedAuthenticationAdministrator' }, 'admin-target-disputed'],
    ['an admin target with the manager', EVIDENCE['manager-confirmed'], { admin: true, role: 'privilegedAuthenticationAdministrator' }, 'override-not-needed'],
    ['an admin target, not a Privileged Authentication Administrator', EVIDENCE.unverified, { admin: true, role: 'authenticationAdministrator' }, 'admin-target-needs-privileged-role'],
    ['a duplicate of an open request: no override makes it actionable', { ...EVIDENCE.unverified, openOriginal: 'HD-7Q4M-2XKP' }, {}, 'duplicate-original-open'],
    ['a disputed duplicate of an open request', { ...EVIDENCE.disputed, openOriginal: 'HD-7Q4M-2XKP' }, {}, 'duplicate-original-open'],
    ['a duplicate, by its own requester: four eyes first', { ...colleague, openOriginal: 'HD-7Q4M-2XKP' }, { by: REQUESTER }, 'own-request'],
  ] as [string, Evidence, Parameters<typeof check>[1], EvidenceRefusal | undefined][]).map(([name, evidence, extra, expected]) => [name, expected ?? 'allowed', evidence, extra, expected] as const))('%s -> %s', (_name, _label, evidence, extra, expected) => {
    expect(check(evidence, extra)).toBe(expected);
  });
});

describe('refusal texts', () => {
  test('every refusal the evidence policy can give is reachable and has a short text in en and es', () => {
    const seen = new Set<string>();
    for (const [, , , , , , expected] of MATRIX) if (!expected.startsWith('needs-override') && expected !== 'allow') seen.add(expected);
    seen.add('needs-manager-confirmation').add('disputed');
    for (const code of ['override-reason-missing', 'override-already-given', 'override-not-needed', 'own-request', 'own-account']) seen.add(code);
    expect([...seen].sort()).toEqual([...EVIDENCE_REFUSALS].sort());
    for (const code of EVIDENCE_REFUSALS) {
      for (const catalog of [en, es]) {
        const text = (catalog.helpdesk.refusal as Record<string, string>)[code];
        expect(typeof text).toBe('string');
        expect(text.length).toBeLessThanOrEqual(200);
      }
    }
  });

  test('every level has a label in en and es', () => {
    for (const level of LEVELS) for (const catalog of [en, es]) expect((catalog.helpdesk.level as Record<string, string>)[level]).toBeTruthy();
  });
});

describe('evidenceOf: from a ticket, through its events, to a decision', () => {
  const NOW = new Date('2025-06-01T10:00:00.000Z');
  const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
  const draft: EscalationDraft = {
    channelId: 'webchat',
    assurance: 'unverified',
    targetSignInAddress: 'ana@contoso.com',
    targetObjectId: TARGET,
    newMobileE164: '+447400123456',
    fix: 'temporary-access-pass',
    locale: 'en-GB',
    replyTo: { channelId: 'webchat', serviceUrl: 'https://webchat/', conversationId: 'dl-1', userId: 'dl-user' },
  };
  const pass = (ticket: Ticket, by = APPROVER) =>
    flatten(decide({ evidence: evidenceOf(ticket, TENANT), action: 'temporary-access-pass', targetIsAdmin: false, approver: { objectId: by, role: 'helpdeskGroup' }, settings: { requireManagerConfirmation: 'unverified' } }));

  test('a web-chat request needs the manager; "Yes" lets an approver act', () => {
    const asked = applyEvent(newTicket(draft, 'HD-7K3M-Q9XD', NOW, 60), { type: 'manager-asked', managerObjectId: MANAGER, at: later(1) });
    expect(pass(asked)).toBe('needs-override:needs-manager-confirmation:1');
    expect(pass(applyEvent(asked, { type: 'manager-answer', by: MANAGER, answer: 'yes', at: later(2) }))).toBe('allow');
  });

  test('"No" blocks until two different approvers override with a reason', () => {
    let t = applyEvent(newTicket(draft, 'HD-7K3M-Q9XD', NOW, 60), { type: 'manager-asked', managerObjectId: MANAGER, at: later(1) });
    t = applyEvent(t, { type: 'override', by: APPROVER_2, reason: 'Manager on leave, called back', at: later(2) });
    expect(pass(t)).toBe('allow');
    t = applyEvent(t, { type: 'manager-answer', by: MANAGER, answer: 'no', at: later(3) });
    expect(assuranceLevel(evidenceOf(t, TENANT))).toBe('disputed');
    expect(pass(t)).toBe('needs-override:disputed:2');
    t = applyEvent(t, { type: 'override', by: APPROVER_2, reason: 'Spoke to the manager again: they had misread it', at: later(4) });
    expect(pass(t)).toBe('needs-override:disputed:1');
    t = applyEvent(t, { type: 'override', by: APPROVER_3, reason: 'Verified in person at the service desk', at: later(5) });
    expect(pass(t)).toBe('allow');
    expect(pass(t, TARGET)).toBe('own-account');
  });

  test('an open original the caller found is evidence; the ticket alone never claims one', () => {
    // duplicateOf says which request it duplicated when made; only the caller knows whether that one is still open.
    const ticket: Ticket = { ...newTicket(draft, 'HD-7K3M-Q9XD', NOW, 60), duplicateOf: 'HD-7Q4M-2XKP' };
    expect(evidenceOf(ticket, TENANT).openOriginal).toBeUndefined();
    expect(evidenceOf(ticket, TENANT, 'HD-7Q4M-2XKP').openOriginal).toBe('HD-7Q4M-2XKP');
  });

  test('a Teams request by the owner is teams-verified only for our tenant', () => {
    const teamsDraft: EscalationDraft = {
      ...draft,
      channelId: 'msteams',
      assurance: 'teams-verified',
      requesterObjectId: TARGET,
      targetSignInAddress: undefined,
      replyTo: { ...draft.replyTo, channelId: 'msteams', tenantId: TENANT },
    };
    const ticket = newTicket(teamsDraft, 'HD-7K3M-Q9XD', NOW, 60);
    expect(assuranceLevel(evidenceOf(ticket, TENANT))).toBe('teams-verified');
    expect(assuranceLevel(evidenceOf(ticket, OTHER_TENANT))).toBe('unverified');
    expect(assuranceLevel(evidenceOf(ticket, undefined))).toBe('unverified');
  });
});
