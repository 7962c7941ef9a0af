/**
 * The directory as the bot needs it: users, their sign-in methods and the admin actions, in the
 * project's own types. The Graph adapter (src/graph/) is the only implementation that talks to
 * Microsoft Graph; the rest of the bot sees this port. No SDK types appear here.
 */

export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail?: string;
}

export type PhoneType = 'mobile' | 'alternateMobile' | 'office';

export type MethodKind =
  | 'phone'
  | 'microsoftAuthenticator'
  | 'fido2'
  | 'softwareOath'
  | 'windowsHelloForBusiness'
  | 'temporaryAccessPass'
  | 'email'
  | 'password'
  | 'other';

export interface RegisteredPhone {
  id: string;
  type: PhoneType;
  /** Canonical E.164. Personal data: never log it, show `masked`. */
  e164: string;
  masked: string;
}

export interface SignInMethod {
  id: string;
  kind: MethodKind;
  /** True when this method can complete MFA now (a TAP only while usable; email and password never). */
  secondFactor: boolean;
  /** A safe label for an admin: device name, key model, or the masked number; never a secret. */
  label?: string;
}

export interface MethodSummary {
  userId: string;
  methods: SignInMethod[];
  phones: RegisteredPhone[];
  mobile?: RegisteredPhone;
  /** Second factors other than phones (Authenticator, passkey/FIDO2, OATH, Windows Hello, usable TAP). */
  otherSecondFactors: MethodKind[];
}

/** Whether the target holds any directory role: then only a Privileged Authentication Administrator may act. */
export interface TargetProfile {
  user: DirectoryUser;
  isAdmin: boolean;
  roleDefinitionIds: string[];
}

export type ApproverRole = 'privilegedAuthenticationAdministrator' | 'authenticationAdministrator' | 'helpdeskGroup';

export interface ApproverCheck {
  /** The strongest reason this user may approve, or undefined when they may not approve at all. */
  role?: ApproverRole;
  /** True when the role is enough for the given target (admins need a Privileged Authentication Administrator). */
  enoughForTarget: boolean;
}

/** Graph's request-id of each write, for the audit trail. */
export interface GraphWrite {
  operation: string;
  requestId?: string;
  status: number;
}

export interface MobileReplaced {
  phone: RegisteredPhone;
  /** `updated`: PATCH of the existing mobile; `added`: POST because there was none. */
  change: 'updated' | 'added';
  writes: GraphWrite[];
}

export interface TemporaryAccessPassIssued {
  /** The pass itself: shown once, to the approving admin only. Never log or store it. */
  pass: string;
  methodId: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  writes: GraphWrite[];
}

/** One method re-registration touched; `phoneType`/`masked` for phones, so a person can be told which. */
export interface ReRegistrationMethod {
  kind: MethodKind;
  id: string;
  phoneType?: PhoneType;
  masked?: string;
}

/**
 * What re-registration actually changed, never more or less: the methods removed, the ones still
 * registered (Graph refused them, or it stopped answering before they were tried) and whether
 * sign-in sessions were revoked. `stoppedBy` is set when Graph failed part-way.
 */
export interface ReRegistrationDone {
  removed: ReRegistrationMethod[];
  kept: (ReRegistrationMethod & { code: DirectoryErrorCode })[];
  sessionsRevoked: boolean;
  stoppedBy?: { code: DirectoryErrorCode; message: string; requestId?: string };
  writes: GraphWrite[];
}

/**
 * A phone from the person's directory profile (HR record), not a sign-in method: what a helpdesk
 * calls back on, because the requester cannot change it from the chat. Personal data: log only
 * `masked`; show `number` to approvers only.
 */
export interface ProfilePhone {
  /** `business` from businessPhones, `mobile` from mobilePhone. */
  source: 'business' | 'mobile';
  /** As the directory holds it (free text, e.g. '+1 425 555 0100'). */
  number: string;
  masked: string;
}

/** The user with the profile phones from the directory; `userPrincipalName` is the sign-in address. */
export interface UserProfile extends DirectoryUser {
  businessPhones: ProfilePhone[];
  mobilePhone?: ProfilePhone;
}

/** Teams presence values as Graph reports them; anything Graph adds later arrives as PresenceUnknown. */
export type PresenceAvailability = 'Available' | 'AvailableIdle' | 'Away' | 'BeRightBack' | 'Busy' | 'BusyIdle' | 'DoNotDisturb' | 'Offline' | 'PresenceUnknown';

export interface Presence {
  availability: PresenceAvailability;
  /** Graph's activity, e.g. 'InACall', 'OffWork'; free text for display only. */
  activity: string;
}

/**
 * True when the person is signed in to Teams right now (Graph reports some state other than
 * Offline or unknown): then someone asking for them from web chat could be asked to use Teams.
 * 'Offline' may also be someone who chose to appear offline, so this is evidence, not proof.
 */
export function isSignedInToTeams(presence: Presence | undefined): boolean {
  return presence !== undefined && presence.availability !== 'Offline' && presence.availability !== 'PresenceUnknown';
}

export interface SessionsRevoked {
  /** Graph answered `value: true`. */
  revoked: boolean;
  writes: GraphWrite[];
}

export type DirectoryErrorCode = 'not_found' | 'not_allowed' | 'conflict' | 'invalid_number' | 'throttled' | 'unavailable';

/** Every directory failure, mapped from Graph's status and error code; `message` is fit for an admin. */
export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
    readonly details: { status?: number; graphCode?: string; requestId?: string; retryAfterSeconds?: number; writes?: GraphWrite[] } = {},
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

export interface DirectoryPort {
  /** By object id or sign-in address (userPrincipalName); undefined when there is no such user. */
  findUser(idOrSignInAddress: string): Promise<DirectoryUser | undefined>;
  targetProfile(userId: string): Promise<TargetProfile>;
  methods(userId: string): Promise<MethodSummary>;
  /** PATCH the existing mobile, or POST one when there is none; never delete-then-add. Reads back to confirm. */
  replaceMobile(userId: string, e164: string): Promise<MobileReplaced>;
  issueTemporaryAccessPass(userId: string): Promise<TemporaryAccessPassIssued>;
  /**
   * Removes phone, Authenticator and software OATH methods in an order Graph accepts, then
   * optionally revokes sessions. A method Graph refuses, or an outage part-way, is reported in the
   * result (what was removed, what was kept); it throws only when nothing was changed.
   */
  requireReRegistration(userId: string, options: { revokeSessions: boolean }): Promise<ReRegistrationDone>;
  /** May `approverId` act, and is that enough for `target`? */
  checkApprover(approverId: string, target: TargetProfile): Promise<ApproverCheck>;
  /**
   * The user's manager, or undefined when there is none (Graph's 404). Graph answers a missing
   * user with the same 404, so look the user up first when that matters.
   */
  manager(userId: string): Promise<DirectoryUser | undefined>;
  /** Display name, sign-in address and profile phones; DirectoryError `not_found` when there is no such user. */
  profile(userId: string): Promise<UserProfile>;
  /**
   * Teams presence by object id, or undefined whenever Graph cannot say (no permission, no such
   * user, throttled, down): presence is evidence, never a reason to block a request.
   */
  presence(userId: string): Promise<Presence | undefined>;
  /** Ends every sign-in session and refresh token of the user; throws a DirectoryError on failure. */
  revokeSessions(userId: string): Promise<SessionsRevoked>;
}

/** Role template ids from Microsoft Entra (see shared/reference/graph-api.md). */
export const ROLE_AUTHENTICATION_ADMINISTRATOR = 'c4e39bd9-1100-46d3-8c65-fb160da0071f';
export const ROLE_PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';
export const ROLE_GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';

/** Fixed ids of phone methods by type (Graph). */
export const PHONE_METHOD_IDS: Readonly<Record<PhoneType, string>> = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
};
