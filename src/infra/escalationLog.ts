import type { Storage } from 'botbuilder';
import { maskPhoneNumber } from '../core/phone';
import type { Clock, EscalationDraft, EscalationPort, EscalationReceipt, Log } from '../core/ports';
import { newReference } from '../core/reference';

export interface RecordedEscalation extends EscalationDraft {
  reference: string;
  state: 'recorded';
  createdAt: string;
}

export const escalationKey = (reference: string) => `escalations/${reference}`;

/**
 * The escalation port until the helpdesk integration exists: every request is written durably
 * (same store as the conversation state) so that nothing the person gave is lost, and the person
 * is told to contact the helpdesk with the reference themselves.
 */
export class StoredEscalations implements EscalationPort {
  constructor(private readonly storage: Storage, private readonly log: Log, private readonly clock: Clock) {}

  async submit(draft: EscalationDraft): Promise<EscalationReceipt> {
    const reference = newReference();
    const record: RecordedEscalation = { ...draft, reference, state: 'recorded', createdAt: this.clock.now().toISOString() };
    await this.storage.write({ [escalationKey(reference)]: record });
    this.log.info(
      { reference, channelId: draft.channelId, assurance: draft.assurance, fix: draft.fix, newMobile: maskPhoneNumber(draft.newMobileE164) },
      'escalation recorded',
    );
    return { reference, delivery: 'recorded' };
  }

  async get(reference: string): Promise<RecordedEscalation | undefined> {
    const items = await this.storage.read([escalationKey(reference)]);
    return items[escalationKey(reference)] as RecordedEscalation | undefined;
  }
}
