import type { ApproverCheck, MobileReplaced, TargetProfile, TemporaryAccessPassIssued } from '../../src/core/directory';
import { FakeDirectory } from './directory';

/**
 * The FakeDirectory with the admin side answered in memory, for the helpdesk service's unit
 * tests: each user's profile, each approver's role, and a log of every Graph write asked for.
 * (The Graph adapter's own behaviour is tested against the sandbox tenant.)
 */
export class FakeAdminDirectory extends FakeDirectory {
  readonly writes: string[] = [];
  private readonly admins = new Set<string>();
  private readonly approvers = new Map<string, ApproverCheck['role']>();

  asAdmin(userId: string): this {
    this.admins.add(userId);
    return this;
  }

  withApprover(objectId: string, role: NonNullable<ApproverCheck['role']>): this {
    this.approvers.set(objectId, role);
    return this;
  }

  override async targetProfile(userId?: string): Promise<TargetProfile> {
    const id = userId ?? '';
    this.lookups.push(`targetProfile:${id}`);
    return { user: { id, userPrincipalName: `${id}@contoso.example`, displayName: id }, isAdmin: this.admins.has(id), roleDefinitionIds: [] };
  }

  override async checkApprover(approverId?: string, target?: TargetProfile): Promise<ApproverCheck> {
    const role = this.approvers.get(approverId ?? '');
    return { role, enoughForTarget: role !== undefined && (!target?.isAdmin || role === 'privilegedAuthenticationAdministrator') };
  }

  override async replaceMobile(userId?: string, e164?: string): Promise<MobileReplaced> {
    if (this.failWith) throw this.failWith;
    this.writes.push(`replaceMobile:${userId}`);
    const phone = { id: 'phone-new', type: 'mobile' as const, e164: e164 ?? '', masked: '+•• ••••' };
    return { phone, change: 'updated', writes: [{ operation: 'PATCH phoneMethods', requestId: 'req-1', status: 200 }] };
  }

  override async issueTemporaryAccessPass(userId?: string): Promise<TemporaryAccessPassIssued> {
    if (this.failWith) throw this.failWith;
    this.writes.push(`issueTemporaryAccessPass:${userId}`);
    return { pass: 'FAKE-PASS', methodId: 'tap-1', startDateTime: '', lifetimeInMinutes: 60, isUsableOnce: true, writes: [{ operation: 'POST tap', requestId: 'req-2', status: 201 }] };
  }
}
