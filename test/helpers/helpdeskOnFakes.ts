/**
 * The helpdesk service composed on fakes, as src/app.ts composes it on real parts: a plain
 * in-memory Storage behind the ticket store, audit and notices, a recording TeamsPort and the
 * admin directory fake. No botbuilder is loaded here, so the suites that use it can prove the
 * service needs none.
 */
import { CATALOGS } from '../../locales';
import { Localizer } from '../../src/core/i18n';
import type { Clock } from '../../src/core/ports';
import { HelpdeskService, type HelpdeskSettings } from '../../src/helpdesk/service';
import { HelpdeskChannelStore } from '../../src/infra/helpdeskChannel';
import { NoticeOutbox } from '../../src/infra/noticeOutbox';
import { StoredAudit } from '../../src/infra/storedAudit';
import { TicketStore } from '../../src/infra/ticketStore';
import type { FakeAdminDirectory } from '../fakes/adminDirectory';
import { PlainMemoryStorage } from '../fakes/memoryStorage';
import { RecordingTeams } from '../fakes/teams';

export const TENANT = '11111111-1111-4111-8111-111111111111';
export const CHANNEL = { conversationId: '19:helpdesk@thread.tacv2', serviceUrl: 'https://smba.example/' };
export const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function helpdeskOnFakes(options: { directory: FakeAdminDirectory; clock: Clock; approverIds: string[]; settings?: Partial<HelpdeskSettings> }) {
  const { directory, clock } = options;
  const storage = new PlainMemoryStorage();
  const teams = new RecordingTeams();
  const store = new TicketStore(storage, clock, { perRequesterPerHour: 100, perConversationPerHour: 100 });
  const audit = new StoredAudit(storage, quiet);
  const helpdesk = new HelpdeskService({
    teams,
    notices: new NoticeOutbox(storage, clock),
    store,
    audit,
    directory,
    localizer: new Localizer(CATALOGS, 'en'),
    log: quiet,
    clock,
    channels: new HelpdeskChannelStore(storage),
    settings: {
      channel: CHANNEL,
      approverIds: options.approverIds,
      requestTtlMinutes: 60,
      language: 'en',
      tenantId: TENANT,
      localMode: false,
      phoneSignIn: 'own-provider',
      ...options.settings,
    },
  });
  return { helpdesk, teams, directory, store, audit, storage };
}
