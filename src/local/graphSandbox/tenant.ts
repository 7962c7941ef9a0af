/**
 * The tenant the Graph sandbox serves: users, their authentication methods as raw Graph JSON,
 * directory role assignments, groups and the Temporary Access Pass policy.
 *
 * The sandbox deliberately keeps its own copy of Graph's constants (method types, fixed phone
 * ids, number format) instead of importing the core's: it stands in for Microsoft's side of the
 * wire, so a mistake in the bot's constants must show up as a failure, not be shared and hidden.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export interface TapPolicy {
  enabled: boolean;
  defaultLifetimeInMinutes: number;
  isUsableOnce: boolean;
}

export type GraphMethod = { '@odata.type': string; id: string; [k: string]: unknown };

export interface SeedUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail?: string;
  methods: GraphMethod[];
  /** extension: which method is the default MFA method; default = the mobile phone if any, else the first MFA-capable method */
  defaultMethodId?: string;
  /** Object id of this user's manager (`GET /users/{id}/manager`); absent: no manager, which Graph answers with 404. */
  managerId?: string;
  /** Profile (HR/directory) phones, free text as Graph keeps them; not sign-in methods. */
  businessPhones?: string[];
  /** Profile mobile, free text; separate from the `mobile` phone authentication method. */
  mobilePhone?: string | null;
  /** Teams presence (`GET /users/{id}/presence`); absent: PresenceUnknown, as for a user who never used Teams. */
  presence?: SeedPresence;
}

export interface SeedPresence {
  availability: PresenceAvailability;
  activity: PresenceActivity;
}

export interface TenantSeed {
  users: SeedUser[];
  roleAssignments: { principalId: string; roleDefinitionId: string }[];
  groups: { id: string; displayName: string; members: string[] }[];
  temporaryAccessPassPolicy: TapPolicy;
}

/** `@odata.type` of each authentication method kind Graph v1.0 returns. */
export const METHOD_TYPES = {
  password: '#microsoft.graph.passwordAuthenticationMethod',
  phone: '#microsoft.graph.phoneAuthenticationMethod',
  microsoftAuthenticator: '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
  fido2: '#microsoft.graph.fido2AuthenticationMethod',
  softwareOath: '#microsoft.graph.softwareOathAuthenticationMethod',
  windowsHelloForBusiness: '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
  temporaryAccessPass: '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
  email: '#microsoft.graph.emailAuthenticationMethod',
} as const;

/** Graph gives every user this one password method; it is never stored in a seed. */
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';

export type GraphPhoneType = 'mobile' | 'alternateMobile' | 'office';
export const GRAPH_PHONE_TYPES: readonly GraphPhoneType[] = ['mobile', 'alternateMobile', 'office'];

/** Graph identifies a phone by its type, not by a per-registration id. */
export const GRAPH_PHONE_METHOD_IDS: Readonly<Record<GraphPhoneType, string>> = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
};

/**
 * `+{country code} {subscriber number}[x{extension}]`, e.g. `+1 5555551234`, `+44 7700900123x12`.
 * Country codes never start with 0, and E.164 caps a number at 15 digits.
 */
export const GRAPH_PHONE_NUMBER = /^\+[1-9]\d{0,2} \d{4,14}(x\d{1,10})?$/;

/** presence.availability values Graph v1.0 documents. */
export const PRESENCE_AVAILABILITIES = ['Available', 'AvailableIdle', 'Away', 'BeRightBack', 'Busy', 'BusyIdle', 'DoNotDisturb', 'Offline', 'PresenceUnknown'] as const;
/** presence.activity values Graph v1.0 documents. */
export const PRESENCE_ACTIVITIES = [
  'Available',
  'Away',
  'BeRightBack',
  'Busy',
  'DoNotDisturb',
  'InACall',
  'InAConferenceCall',
  'Inactive',
  'InAMeeting',
  'Offline',
  'OffWork',
  'OutOfOffice',
  'PresenceUnknown',
  'Presenting',
  'UrgentInterruptionsOnly',
] as const;
export type PresenceAvailability = (typeof PRESENCE_AVAILABILITIES)[number];
export type PresenceActivity = (typeof PRESENCE_ACTIVITIES)[number];

export const SMS_SIGN_IN_STATES = ['notSupported', 'notAllowedByPolicy', 'notEnabled', 'phoneNumberNotUnique', 'ready', 'notConfigured'] as const;

/** Kinds that can complete MFA. A Temporary Access Pass counts only while usable (checked by the sandbox). */
const MFA_CAPABLE_TYPES: ReadonlySet<string> = new Set([
  METHOD_TYPES.phone,
  METHOD_TYPES.microsoftAuthenticator,
  METHOD_TYPES.fido2,
  METHOD_TYPES.softwareOath,
  METHOD_TYPES.windowsHelloForBusiness,
  METHOD_TYPES.temporaryAccessPass,
]);

export function isMfaCapableType(odataType: string): boolean {
  return MFA_CAPABLE_TYPES.has(odataType);
}

/** Entra never makes a Temporary Access Pass the default method: it is a bootstrap credential. */
export function canBeDefault(method: GraphMethod): boolean {
  return isMfaCapableType(method['@odata.type']) && method['@odata.type'] !== METHOD_TYPES.temporaryAccessPass;
}

/** The seed's default, or what Entra picks: the mobile phone if any, else the first MFA-capable method. */
export function initialDefaultMethodId(user: SeedUser): string | undefined {
  if (user.defaultMethodId !== undefined) return user.defaultMethodId;
  const mobile = user.methods.find((m) => m['@odata.type'] === METHOD_TYPES.phone && m.phoneType === 'mobile');
  return (mobile ?? user.methods.find(canBeDefault))?.id;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = z.string().regex(GUID, 'must be a GUID such as 00000000-0000-0000-0000-000000000000');
const isoDateTime = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time');

const methodSchema = z
  .object({
    '@odata.type': z.string().regex(/^#microsoft\.graph\.\w+AuthenticationMethod$/, "must look like '#microsoft.graph.<kind>AuthenticationMethod'"),
    id: z.string().min(1, 'must not be empty'),
  })
  .passthrough()
  .superRefine((m, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    switch (m['@odata.type']) {
      case METHOD_TYPES.password:
        issue('@odata.type', 'the password method is added to every user by the sandbox; leave it out of the seed');
        break;
      case METHOD_TYPES.phone: {
        const phoneType = m.phoneType;
        if (typeof phoneType !== 'string' || !(GRAPH_PHONE_TYPES as readonly string[]).includes(phoneType)) {
          issue('phoneType', `must be one of ${GRAPH_PHONE_TYPES.join(', ')}`);
        } else if (m.id !== GRAPH_PHONE_METHOD_IDS[phoneType as GraphPhoneType]) {
          issue('id', `a ${phoneType} phone always has Graph's fixed id ${GRAPH_PHONE_METHOD_IDS[phoneType as GraphPhoneType]}`);
        }
        if (typeof m.phoneNumber !== 'string' || !GRAPH_PHONE_NUMBER.test(m.phoneNumber)) {
          issue('phoneNumber', "must be in Graph's format '+{country code} {subscriber number}', e.g. '+44 7700900123'");
        }
        if (m.smsSignInState !== undefined && !(SMS_SIGN_IN_STATES as readonly unknown[]).includes(m.smsSignInState)) {
          issue('smsSignInState', `must be one of ${SMS_SIGN_IN_STATES.join(', ')}`);
        }
        break;
      }
      case METHOD_TYPES.temporaryAccessPass:
        if (m.temporaryAccessPass !== undefined && m.temporaryAccessPass !== null) {
          issue('temporaryAccessPass', 'pass values are never stored; leave it out');
        }
        if (!isoDateTime.safeParse(m.startDateTime).success) issue('startDateTime', 'must be an ISO 8601 date-time');
        if (!Number.isInteger(m.lifetimeInMinutes) || (m.lifetimeInMinutes as number) < 10 || (m.lifetimeInMinutes as number) > 43200) {
          issue('lifetimeInMinutes', 'must be a whole number of minutes from 10 to 43200');
        }
        break;
      default:
        break;
    }
  });

const userSchema = z
  .object({
    id: guid,
    userPrincipalName: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an address such as name@contoso.example'),
    displayName: z.string().min(1, 'must not be empty'),
    mail: z.string().min(3).optional(),
    methods: z.array(methodSchema),
    defaultMethodId: z.string().min(1).optional(),
    managerId: guid.optional(),
    // Profile phones are free text in Graph (people type '+1 425 555 0100' or '(425) 555-0100'), so
    // only an upper bound and "has a digit" are checked, not the sign-in method format.
    businessPhones: z.array(z.string().max(64).regex(/\d/, 'must contain a digit')).optional(),
    mobilePhone: z.string().max(64).regex(/\d/, 'must contain a digit').nullable().optional(),
    presence: z.object({ availability: z.enum(PRESENCE_AVAILABILITIES), activity: z.enum(PRESENCE_ACTIVITIES) }).strict().optional(),
  })
  .strict()
  .superRefine((u, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    const seenIds = new Map<string, number>();
    const phoneTypes = new Set<unknown>();
    let taps = 0;
    u.methods.forEach((m, i) => {
      const first = seenIds.get(m.id);
      if (first !== undefined) issue(['methods', i, 'id'], `duplicates the id of methods[${first}]`);
      else seenIds.set(m.id, i);
      if (m['@odata.type'] === METHOD_TYPES.phone) {
        if (phoneTypes.has(m.phoneType)) issue(['methods', i, 'phoneType'], `only one ${String(m.phoneType)} phone per user`);
        phoneTypes.add(m.phoneType);
      }
      if (m['@odata.type'] === METHOD_TYPES.temporaryAccessPass && ++taps > 1) issue(['methods', i], 'only one Temporary Access Pass per user');
    });
    if (phoneTypes.has('alternateMobile') && !phoneTypes.has('mobile')) {
      issue(['methods'], 'an alternateMobile phone needs a mobile phone (Graph refuses one without the other)');
    }
    if (u.defaultMethodId !== undefined) {
      const m = u.methods.find((x) => x.id === u.defaultMethodId);
      if (!m) issue(['defaultMethodId'], 'must be the id of one of this user’s methods');
      else if (!canBeDefault(m)) issue(['defaultMethodId'], `a ${m['@odata.type']} cannot be the default MFA method`);
    }
  });

const seedSchema = z
  .object({
    users: z.array(userSchema),
    roleAssignments: z.array(z.object({ principalId: guid, roleDefinitionId: guid }).strict()),
    groups: z.array(z.object({ id: guid, displayName: z.string().min(1, 'must not be empty'), members: z.array(guid) }).strict()),
    temporaryAccessPassPolicy: z
      .object({
        enabled: z.boolean(),
        defaultLifetimeInMinutes: z.number().int().min(10).max(43200),
        isUsableOnce: z.boolean(),
      })
      .strict(),
  })
  .strict()
  .superRefine((seed, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    const ids = new Map<string, number>();
    const upns = new Map<string, number>();
    seed.users.forEach((u, i) => {
      const id = u.id.toLowerCase();
      const upn = u.userPrincipalName.toLowerCase();
      if (ids.has(id)) issue(['users', i, 'id'], `duplicates users[${ids.get(id)}].id`);
      else ids.set(id, i);
      if (upns.has(upn)) issue(['users', i, 'userPrincipalName'], `duplicates users[${upns.get(upn)}].userPrincipalName (case-insensitive)`);
      else upns.set(upn, i);
    });
    seed.users.forEach((u, i) => {
      if (u.managerId === undefined) return;
      if (!ids.has(u.managerId.toLowerCase())) issue(['users', i, 'managerId'], 'is not the id of a user in this seed');
      else if (u.managerId.toLowerCase() === u.id.toLowerCase()) issue(['users', i, 'managerId'], 'a user cannot be their own manager');
    });
    seed.roleAssignments.forEach((a, i) => {
      if (!ids.has(a.principalId.toLowerCase())) issue(['roleAssignments', i, 'principalId'], 'is not the id of a user in this seed');
    });
    const groupIds = new Set<string>();
    seed.groups.forEach((g, i) => {
      if (groupIds.has(g.id.toLowerCase())) issue(['groups', i, 'id'], 'duplicates another group id');
      groupIds.add(g.id.toLowerCase());
      if (ids.has(g.id.toLowerCase())) issue(['groups', i, 'id'], 'is also a user id; object ids are unique in a tenant');
      g.members.forEach((member, j) => {
        if (!ids.has(member.toLowerCase())) issue(['groups', i, 'members', j], 'is not the id of a user in this seed');
      });
    });
  });

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Validates a seed; the error lists every problem as `path: problem`, e.g. `users[0].methods[1].phoneNumber: …`. */
export function parseTenantSeed(json: unknown): TenantSeed {
  const result = seedSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new Error(`Invalid tenant seed: ${problems.join('; ')}`);
  }
  return result.data;
}

export function loadTenantSeed(file: string): TenantSeed {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read tenant seed ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Tenant seed ${file} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseTenantSeed(json);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}
