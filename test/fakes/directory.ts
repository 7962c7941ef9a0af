import {
  DirectoryError,
  type ApproverCheck,
  type DirectoryPort,
  type DirectoryUser,
  type MethodSummary,
  type MobileReplaced,
  type Presence,
  type ReRegistrationDone,
  type SessionsRevoked,
  type TargetProfile,
  type TemporaryAccessPassIssued,
  type UserProfile,
} from '../../src/core/directory';

/**
 * An in-memory directory for conversation tests: users and their method summaries, and a log of
 * every lookup so a test can prove web chat never looked anyone up. The admin actions belong to
 * the Graph adapter and are tested against the sandbox tenant, so here they refuse loudly.
 */
export class FakeDirectory implements DirectoryPort {
  readonly lookups: string[] = [];
  /** User ids whose sessions were revoked, in order, so a test can prove a revocation happened. */
  readonly revocations: string[] = [];
  failWith?: DirectoryError;
  private readonly summaries = new Map<string, MethodSummary>();
  private readonly profiles = new Map<string, UserProfile>();
  private readonly managers = new Map<string, string>();
  private readonly presences = new Map<string, Presence>();

  withMethods(summary: MethodSummary): this {
    this.summaries.set(summary.userId, summary);
    return this;
  }

  /** A user with a directory profile (name, sign-in address, profile phones). */
  withProfile(profile: UserProfile): this {
    this.profiles.set(profile.id, structuredClone(profile));
    return this;
  }

  /** `managerId` must also have a profile; a user without one has no manager (Graph's 404). */
  withManager(userId: string, managerId: string): this {
    this.managers.set(userId, managerId);
    return this;
  }

  /** Without this a user's presence is undefined, as when Graph refuses presence. */
  withPresence(userId: string, presence: Presence): this {
    this.presences.set(userId, { ...presence });
    return this;
  }

  async findUser(id: string): Promise<DirectoryUser | undefined> {
    this.lookups.push(`findUser:${id}`);
    return this.summaries.has(id) ? { id, userPrincipalName: `${id}@contoso.example`, displayName: id } : undefined;
  }

  async methods(userId: string): Promise<MethodSummary> {
    this.lookups.push(`methods:${userId}`);
    if (this.failWith) throw this.failWith;
    const summary = this.summaries.get(userId);
    if (!summary) throw new DirectoryError('not_found', `No user ${userId}`);
    return structuredClone(summary);
  }

  async manager(userId: string): Promise<DirectoryUser | undefined> {
    this.lookups.push(`manager:${userId}`);
    if (this.failWith) throw this.failWith;
    const managerId = this.managers.get(userId);
    const manager = managerId === undefined ? undefined : this.profiles.get(managerId);
    if (!manager) return undefined;
    const user: DirectoryUser = { id: manager.id, userPrincipalName: manager.userPrincipalName, displayName: manager.displayName };
    if (manager.mail !== undefined) user.mail = manager.mail;
    return user;
  }

  async profile(userId: string): Promise<UserProfile> {
    this.lookups.push(`profile:${userId}`);
    if (this.failWith) throw this.failWith;
    const profile = this.profiles.get(userId);
    if (!profile) throw new DirectoryError('not_found', `No user ${userId}`);
    return structuredClone(profile);
  }

  async presence(userId: string): Promise<Presence | undefined> {
    this.lookups.push(`presence:${userId}`);
    // Like the adapter: presence never fails, it is only missing.
    if (this.failWith) return undefined;
    const presence = this.presences.get(userId);
    return presence === undefined ? undefined : { ...presence };
  }

  async revokeSessions(userId: string): Promise<SessionsRevoked> {
    this.lookups.push(`revokeSessions:${userId}`);
    if (this.failWith) throw this.failWith;
    this.revocations.push(userId);
    return { revoked: true, writes: [{ operation: 'revokeSignInSessions', status: 200 }] };
  }

  targetProfile(): Promise<TargetProfile> {
    return Promise.reject(new Error('FakeDirectory: admin actions are tested against the sandbox tenant'));
  }
  replaceMobile(): Promise<MobileReplaced> {
    return Promise.reject(new Error('FakeDirectory: admin actions are tested against the sandbox tenant'));
  }
  issueTemporaryAccessPass(): Promise<TemporaryAccessPassIssued> {
    return Promise.reject(new Error('FakeDirectory: admin actions are tested against the sandbox tenant'));
  }
  requireReRegistration(): Promise<ReRegistrationDone> {
    return Promise.reject(new Error('FakeDirectory: admin actions are tested against the sandbox tenant'));
  }
  checkApprover(): Promise<ApproverCheck> {
    return Promise.reject(new Error('FakeDirectory: admin actions are tested against the sandbox tenant'));
  }
}

/** A summary as the adapter would build it, for a user with the given phones and other factors. */
export function summary(userId: string, phones: { type: 'mobile' | 'alternateMobile' | 'office'; e164: string; masked: string }[], other: MethodSummary['otherSecondFactors'] = []): MethodSummary {
  const registered = phones.map((p, i) => ({ id: `phone-${i}`, ...p }));
  return {
    userId,
    phones: registered,
    mobile: registered.find((p) => p.type === 'mobile'),
    otherSecondFactors: other,
    methods: [
      ...registered.map((p) => ({ id: p.id, kind: 'phone' as const, secondFactor: true, label: p.masked })),
      ...other.map((kind, i) => ({ id: `m-${i}`, kind, secondFactor: true })),
    ],
  };
}
