import {
  channelConversation,
  refuseAfterLookup,
  refuseBeforeLookup,
  type ApprovalAttempt,
  type ApprovalSettings,
  type Refusal,
} from '../../src/core/approvalPolicy';
import type { ApproverCheck, TargetProfile } from '../../src/core/directory';
import { newTicket, type Ticket } from '../../src/core/tickets';

const HELPDESK = '19:0f1e2d3c4b5a@thread.tacv2';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const REQUESTER = '11111111-aaaa-4bbb-8ccc-000000000001';
const TARGET = '22222222-aaaa-4bbb-8ccc-000000000002';
const APPROVER = '33333333-aaaa-4bbb-8ccc-000000000003';

function ticket(target: Ticket['target'] = { objectId: TARGET }, requesterObjectId: string | undefined = REQUESTER): Ticket {
  return newTicket(
    {
      channelId: 'msteams',
      assurance: 'teams-verified',
      requesterObjectId,
      targetObjectId: target.objectId,
      targetSignInAddress: target.signInAddress,
      newMobileE164: '+447400123456',
      fix: 'replace-mobile',
      locale: 'en-GB',
      replyTo: { channelId: 'msteams', serviceUrl: 'https://smba/', conversationId: 'a:1chat', userId: '29:1user' },
    },
    'HD-7K3M-Q9XD',
    new Date('2025-06-01T10:00:00.000Z'),
    60,
  );
}

const settings: ApprovalSettings = { helpdeskConversationId: HELPDESK, tenantId: TENANT, localMode: false };

const attempt = (overrides: Partial<ApprovalAttempt> = {}): ApprovalAttempt => ({
  channelId: 'msteams',
  conversationId: `${HELPDESK};messageid=1717236000000`,
  tenantId: TENANT,
  approverObjectId: APPROVER,
  authenticated: true,
  ...overrides,
});

describe('refuseBeforeLookup', () => {
  const cases: [string, ApprovalAttempt, Ticket, ApprovalSettings, Refusal | undefined][] = [
    ['a click in the helpdesk thread (;messageid= suffix) is allowed', attempt(), ticket(), settings, undefined],
    ['a click on the channel itself, without suffix, is allowed', attempt({ conversationId: HELPDESK }), ticket(), settings, undefined],
    ['the configured id may carry a suffix too', attempt({ conversationId: HELPDESK }), ticket(), { ...settings, helpdeskConversationId: `${HELPDESK};messageid=1` }, undefined],
    ['tenant and object ids compare case-insensitively', attempt({ tenantId: TENANT.toUpperCase() }), ticket(), settings, undefined],
    ['no tenant configured: any tenant', attempt({ tenantId: undefined }), ticket(), { ...settings, tenantId: undefined }, undefined],
    ['local mode: unauthenticated allowed', attempt({ authenticated: false }), ticket(), { ...settings, localMode: true }, undefined],
    ['a web chat requester with no object id', attempt(), ticket({ signInAddress: 'ana@contoso.com' }, undefined), settings, undefined],

    ['webchat', attempt({ channelId: 'webchat' }), ticket(), settings, 'not-teams'],
    ['emulator', attempt({ channelId: 'emulator' }), ticket(), settings, 'not-teams'],
    ['MSTeams spelled differently', attempt({ channelId: 'MSTeams' }), ticket(), settings, 'not-teams'],
    ['another channel', attempt({ conversationId: '19:other@thread.tacv2;messageid=1' }), ticket(), settings, 'not-helpdesk-channel'],
    ['a personal chat', attempt({ conversationId: 'a:1chat' }), ticket(), settings, 'not-helpdesk-channel'],
    ['a prefix of the helpdesk id', attempt({ conversationId: HELPDESK.slice(0, -3) }), ticket(), settings, 'not-helpdesk-channel'],
    ['the helpdesk id with something else appended', attempt({ conversationId: `${HELPDESK}x` }), ticket(), settings, 'not-helpdesk-channel'],
    ['no helpdesk configured', attempt(), ticket(), { ...settings, helpdeskConversationId: undefined }, 'not-helpdesk-channel'],
    ['blank helpdesk configured', attempt({ conversationId: '' }), ticket(), { ...settings, helpdeskConversationId: ' ' }, 'not-helpdesk-channel'],
    ['unauthenticated outside local mode', attempt({ authenticated: false }), ticket(), settings, 'unauthenticated'],
    ['another tenant', attempt({ tenantId: '00000000-0000-0000-0000-000000000000' }), ticket(), settings, 'wrong-tenant'],
    ['no tenant on the activity', attempt({ tenantId: undefined }), ticket(), settings, 'wrong-tenant'],
    ['another tenant in local mode too', attempt({ authenticated: false, tenantId: 'x' }), ticket(), { ...settings, localMode: true }, 'wrong-tenant'],
    ['no approver object id', attempt({ approverObjectId: undefined }), ticket(), settings, 'no-identity'],
    ['a blank approver object id', attempt({ approverObjectId: '  ' }), ticket(), settings, 'no-identity'],
    ['a sign-in address for an object id', attempt({ approverObjectId: 'patti@contoso.example' }), ticket(), settings, 'bad-identity'],
    ['a number for an object id (JSON can say anything)', attempt({ approverObjectId: 12345 as unknown as string }), ticket(), settings, 'bad-identity'],
    ['a GUID with more around it', attempt({ approverObjectId: `${APPROVER}x` }), ticket(), settings, 'bad-identity'],
    ['a non-GUID equal to a non-GUID requester id', attempt({ approverObjectId: 'patti' }), ticket(undefined, 'patti'), { ...settings, localMode: true }, 'bad-identity'],
    ['the requester approving', attempt({ approverObjectId: REQUESTER.toUpperCase() }), ticket(), settings, 'own-request'],
    ['the target approving', attempt({ approverObjectId: TARGET }), ticket({ objectId: TARGET.toUpperCase() }), settings, 'own-account'],
  ];

  test.each(cases)('%s', (_name, a, t, s, expected) => {
    expect(refuseBeforeLookup(a, t, s)).toBe(expected);
  });

  test('every refusal this check can give is covered above', () => {
    const covered = new Set(cases.map(([, , , , r]) => r));
    for (const r of ['not-teams', 'not-helpdesk-channel', 'unauthenticated', 'wrong-tenant', 'no-identity', 'bad-identity', 'own-request', 'own-account'] as const) {
      expect(covered.has(r)).toBe(true);
    }
  });
});

describe('refuseAfterLookup', () => {
  const profile = (isAdmin: boolean, id = TARGET): TargetProfile => ({
    user: { id, userPrincipalName: 'ana@contoso.com', displayName: 'Ana' },
    isAdmin,
    roleDefinitionIds: isAdmin ? ['62e90394-69f5-4237-9190-012177145e10'] : [],
  });
  const check = (role: ApproverCheck['role'], enoughForTarget: boolean): ApproverCheck =>
    role === undefined ? { enoughForTarget } : { role, enoughForTarget };

  const cases: [string, ApproverCheck, TargetProfile, Refusal | undefined][] = [
    ['Authentication Administrator on a non-admin', check('authenticationAdministrator', true), profile(false), undefined],
    ['Privileged Authentication Administrator on an admin', check('privilegedAuthenticationAdministrator', true), profile(true), undefined],
    ['Privileged Authentication Administrator on a non-admin', check('privilegedAuthenticationAdministrator', true), profile(false), undefined],
    ['helpdesk group member on a non-admin', check('helpdeskGroup', true), profile(false), undefined],
    ['no role', check(undefined, false), profile(false), 'not-an-approver'],
    ['no role, even if the check claims enough', check(undefined, true), profile(false), 'not-an-approver'],
    ['Authentication Administrator on an admin', check('authenticationAdministrator', false), profile(true), 'admin-target-needs-privileged-role'],
    ['helpdesk group on an admin', check('helpdeskGroup', false), profile(true), 'admin-target-needs-privileged-role'],
    ['helpdesk group on an admin, even if the check claims enough', check('helpdeskGroup', true), profile(true), 'admin-target-needs-privileged-role'],
    ['the directory says not enough for a non-admin', check('authenticationAdministrator', false), profile(false), 'admin-target-needs-privileged-role'],
    ['the directory says even PAA is not enough', check('privilegedAuthenticationAdministrator', false), profile(true), 'not-an-approver'],
  ];

  test.each(cases)('%s', (_name, c, target, expected) => {
    expect(refuseAfterLookup(c, target)).toBe(expected);
  });

  test('the approver is the resolved target (a ticket typed with a sign-in address)', () => {
    const paa = check('privilegedAuthenticationAdministrator', true);
    expect(refuseAfterLookup(paa, profile(true, APPROVER), APPROVER.toUpperCase())).toBe('own-account');
    expect(refuseAfterLookup(paa, profile(true, TARGET), APPROVER)).toBeUndefined();
  });
});

describe('the whole policy, in order', () => {
  test('a forged click is refused before any lookup would run', () => {
    const lookups: string[] = [];
    const decide = (a: ApprovalAttempt): Refusal | undefined => {
      const early = refuseBeforeLookup(a, ticket(), settings);
      if (early) return early;
      lookups.push('checkApprover');
      return refuseAfterLookup({ role: 'authenticationAdministrator', enoughForTarget: true }, {
        user: { id: TARGET, userPrincipalName: 'ana@contoso.com', displayName: 'Ana' },
        isAdmin: false,
        roleDefinitionIds: [],
      }, a.approverObjectId);
    };
    expect(decide(attempt({ authenticated: false }))).toBe('unauthenticated');
    expect(lookups).toEqual([]);
    expect(decide(attempt())).toBeUndefined();
    expect(lookups).toEqual(['checkApprover']);
  });

  test('channelConversation strips only the thread suffix', () => {
    expect(channelConversation(`${HELPDESK};messageid=1717236000000`)).toBe(HELPDESK);
    expect(channelConversation(`${HELPDESK};MessageId=1`)).toBe(HELPDESK);
    expect(channelConversation(HELPDESK)).toBe(HELPDESK);
  });
});
