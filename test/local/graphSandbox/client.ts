/**
 * A small HTTPS client for the sandbox tests (undici with the sandbox certificate trusted), and a
 * compact seed whose users each exist for one rule. The demo tenant is tested on its own; these
 * tests use their own seed so that editing the demo personas never breaks a rule test.
 */
import { Agent, fetch } from 'undici';
import type { GraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import type { TenantSeed } from '../../../src/local/graphSandbox/tenant';

export interface GraphReply {
  status: number;
  headers: { get(name: string): string | null };
  /** Parsed JSON, or undefined when the response had no body. */
  body: unknown;
}

export interface GraphErrorBody {
  error: { code: string; message: string; innerError: { 'request-id': string; date: string; 'client-request-id': string } };
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is, for malformed payloads. */
  rawBody?: string;
  /** Default: the sandbox token; null: no Authorization header at all. */
  token?: string | null;
  headers?: Record<string, string>;
}

export class SandboxClient {
  private readonly agent: Agent;

  constructor(private readonly sandbox: GraphSandbox) {
    this.agent = new Agent({ connect: { ca: sandbox.caPem } });
  }

  /** `path` is relative to /v1.0 unless it starts with `//`, which means "from the origin". */
  async call(method: string, path: string, options: CallOptions = {}): Promise<GraphReply> {
    const url = path.startsWith('//') ? `${this.sandbox.origin}${path.slice(1)}` : `${this.sandbox.baseUrl}${path}`;
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.sandbox.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(url, { method, headers, body, dispatcher: this.agent });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export function errorOf(reply: GraphReply): GraphErrorBody['error'] {
  return (reply.body as GraphErrorBody).error;
}

export function valueOf<T = Record<string, unknown>>(reply: GraphReply): T[] {
  return (reply.body as { value: T[] }).value;
}

export const PHONE_IDS = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
} as const;

export const TYPES = {
  password: '#microsoft.graph.passwordAuthenticationMethod',
  phone: '#microsoft.graph.phoneAuthenticationMethod',
  authenticator: '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
  fido2: '#microsoft.graph.fido2AuthenticationMethod',
  softwareOath: '#microsoft.graph.softwareOathAuthenticationMethod',
  windowsHello: '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
  tap: '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
  email: '#microsoft.graph.emailAuthenticationMethod',
} as const;

/** Users of the test seed, each named for what it is there to show. */
export const U = {
  onlyMobile: { id: '11111111-1111-4111-8111-111111111111', upn: 'only.mobile@contoso.example' },
  authenticatorDefault: { id: '22222222-2222-4222-8222-222222222222', upn: 'auth.default@contoso.example' },
  noMethods: { id: '33333333-3333-4333-8333-333333333333', upn: 'no.methods@contoso.example' },
  everyKind: { id: '44444444-4444-4444-8444-444444444444', upn: 'every.kind@contoso.example' },
  authAdmin: { id: '55555555-5555-4555-8555-555555555555', upn: 'auth.admin@contoso.example' },
  /** The principal of Graph's documented role assignment example, so the id format can be checked exactly. */
  twoRoles: { id: '71b3857d-2a23-416d-bd22-a471854ddada', upn: 'two.roles@contoso.example' },
} as const;

export const IDS = {
  authenticatorOfDefaultUser: 'aaaaaaaa-0000-4000-8000-000000000001',
  authenticator: 'aaaaaaaa-0000-4000-8000-000000000002',
  fido2: 'fido2-key-credential-id',
  softwareOath: 'aaaaaaaa-0000-4000-8000-000000000003',
  windowsHello: 'whfb-device-credential',
  email: '3ddfcfc8-9383-446f-83cc-3ab9be4be18f',
  helpdeskGroup: 'bbbbbbbb-0000-4000-8000-000000000001',
  staffGroup: 'bbbbbbbb-0000-4000-8000-000000000002',
} as const;

export const ROLES = {
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
} as const;

export function testSeed(): TenantSeed {
  return {
    users: [
      {
        id: U.onlyMobile.id,
        userPrincipalName: U.onlyMobile.upn,
        displayName: 'Only Mobile',
        mail: U.onlyMobile.upn,
        methods: [{ '@odata.type': TYPES.phone, id: PHONE_IDS.mobile, phoneNumber: '+44 7700900111', phoneType: 'mobile' }],
      },
      {
        id: U.authenticatorDefault.id,
        userPrincipalName: U.authenticatorDefault.upn,
        displayName: 'Authenticator Default',
        methods: [
          { '@odata.type': TYPES.authenticator, id: IDS.authenticatorOfDefaultUser, displayName: 'iPhone' },
          { '@odata.type': TYPES.phone, id: PHONE_IDS.mobile, phoneNumber: '+44 7700900222', phoneType: 'mobile', smsSignInState: 'ready' },
          { '@odata.type': TYPES.phone, id: PHONE_IDS.alternateMobile, phoneNumber: '+44 7700900223', phoneType: 'alternateMobile' },
        ],
        defaultMethodId: IDS.authenticatorOfDefaultUser,
      },
      { id: U.noMethods.id, userPrincipalName: U.noMethods.upn, displayName: 'No Methods', methods: [] },
      {
        id: U.everyKind.id,
        userPrincipalName: U.everyKind.upn,
        displayName: 'Every Kind',
        methods: [
          { '@odata.type': TYPES.authenticator, id: IDS.authenticator, displayName: 'Pixel' },
          { '@odata.type': TYPES.fido2, id: IDS.fido2, model: 'YubiKey 5 NFC' },
          { '@odata.type': TYPES.softwareOath, id: IDS.softwareOath, secretKey: null },
          { '@odata.type': TYPES.windowsHello, id: IDS.windowsHello, displayName: 'LAPTOP-01' },
          { '@odata.type': TYPES.email, id: IDS.email, emailAddress: 'every.kind@fabrikam.example' },
          { '@odata.type': TYPES.phone, id: PHONE_IDS.office, phoneNumber: '+1 5555550123x45', phoneType: 'office' },
        ],
        defaultMethodId: IDS.authenticator,
      },
      { id: U.authAdmin.id, userPrincipalName: U.authAdmin.upn, displayName: 'Auth Admin', methods: [] },
      { id: U.twoRoles.id, userPrincipalName: U.twoRoles.upn, displayName: 'Two Roles', methods: [] },
    ],
    roleAssignments: [
      { principalId: U.authAdmin.id, roleDefinitionId: ROLES.authenticationAdministrator },
      { principalId: U.twoRoles.id, roleDefinitionId: ROLES.privilegedAuthenticationAdministrator },
      { principalId: U.twoRoles.id, roleDefinitionId: ROLES.globalAdministrator },
    ],
    groups: [
      { id: IDS.helpdeskGroup, displayName: 'Helpdesk approvers', members: [U.noMethods.id] },
      { id: IDS.staffGroup, displayName: 'Staff', members: [U.noMethods.id, U.onlyMobile.id] },
    ],
    temporaryAccessPassPolicy: { enabled: true, defaultLifetimeInMinutes: 60, isUsableOnce: true },
  };
}
