import {
  DirectoryError,
  type ApproverCheck,
  type DirectoryPort,
  type DirectoryUser,
  type MethodSummary,
  type MobileReplaced,
  type ReRegistrationDone,
  type TargetProfile,
  type TemporaryAccessPassIssued,
} from '../../src/core/directory';

/**
 * An in-memory directory for conversation tests: users and their method summaries, and a log of
 * every lookup so a test can prove web chat never looked anyone up. The admin actions belong to
 * the Graph adapter and are tested against the sandbox tenant, so here they refuse loudly.
 */
export class FakeDirectory implements DirectoryPort {
  readonly lookups: string[] = [];
  failWith?: DirectoryError;
  private readonly summaries = new Map<string, MethodSummary>();

  withMethods(summary: MethodSummary): this {
    this.summaries.set(summary.userId, summary);
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
