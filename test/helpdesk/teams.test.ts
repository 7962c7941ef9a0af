/**
 * The Teams side of the helpdesk seam: the port's sends become proactive turns on the right
 * conversation references, and the service's answers become the invoke responses Teams expects.
 */
import type { Activity, ConversationParameters, ConversationReference, TurnContext } from 'botbuilder';
import { renderCard } from '../../cards/render';
import { ProactiveSender, type ProactiveAdapter } from '../../src/helpdesk/proactiveSender';
import { TeamsConnector, invokeResponse } from '../../src/helpdesk/teams';

/** Runs each proactive turn at once on a context that keeps what was sent or updated. */
class TurnRecorder implements ProactiveAdapter {
  readonly turns: { reference: Partial<ConversationReference>; sent: Partial<Activity>[]; updated: Partial<Activity>[] }[] = [];

  async continueConversationAsync(_botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const turn = { reference, sent: [] as Partial<Activity>[], updated: [] as Partial<Activity>[] };
    this.turns.push(turn);
    const context = {
      sendActivity: async (activity: Partial<Activity>) => {
        turn.sent.push(activity);
        return { id: `sent-${turn.sent.length}` };
      },
      updateActivity: async (activity: Partial<Activity>) => {
        turn.updated.push(activity);
      },
    };
    await logic(context as unknown as TurnContext);
  }

  /** Conversations "created" (POST /v3/conversations); `failCreate` makes the creation throw, as an unknown member does. */
  readonly created: { channelId: string; serviceUrl: string; audience: string | undefined; parameters: ConversationParameters; sent: Partial<Activity>[] }[] = [];
  failCreate = false;

  async createConversationAsync(
    _botAppId: string,
    channelId: string,
    serviceUrl: string,
    audience: string | undefined,
    parameters: ConversationParameters,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    if (this.failCreate) throw Object.assign(new Error('Forbidden: the bot is not installed for this user'), { statusCode: 403 });
    const turn = { channelId, serviceUrl, audience, parameters, sent: [] as Partial<Activity>[] };
    this.created.push(turn);
    const context = {
      activity: { conversation: { id: `a:1new-${this.created.length}` } },
      sendActivity: async (activity: Partial<Activity>) => {
        turn.sent.push(activity);
        return { id: `direct-${turn.sent.length}` };
      },
    };
    await logic(context as unknown as TurnContext);
  }
}

const CHANNEL = { conversationId: '19:helpdesk@thread.tacv2', serviceUrl: 'https://smba.example/' };
const card = renderCard('step', { progress: '1/1', title: 'T', text: 'x', url: 'https://example.com/', openLabel: 'Open', choices: [] });

describe('TeamsConnector (the TeamsPort over proactive sends)', () => {
  it('posts and updates cards in the helpdesk channel as the bot', async () => {
    const adapter = new TurnRecorder();
    const teams = new TeamsConnector(new ProactiveSender(adapter, 'bot-app-id'), 'bot-app-id');

    expect(await teams.postCard(CHANNEL, card)).toEqual({ ok: true, activityId: 'sent-1' });
    expect(await teams.updateCard({ ...CHANNEL, activityId: 'card-7' }, card)).toEqual({ ok: true, activityId: 'card-7' });

    const [post, update] = adapter.turns;
    expect(post?.reference).toMatchObject({ channelId: 'msteams', serviceUrl: CHANNEL.serviceUrl, conversation: { id: CHANNEL.conversationId, conversationType: 'channel' }, bot: { id: 'bot-app-id' } });
    expect(post?.sent).toEqual([{ type: 'message', attachments: [card] }]);
    expect(update?.updated).toEqual([{ id: 'card-7', type: 'message', attachments: [card] }]);
  });

  it("messages a person in their own conversation, in markdown and their locale", async () => {
    const adapter = new TurnRecorder();
    const teams = new TeamsConnector(new ProactiveSender(adapter, 'bot-app-id'), 'bot-app-id');
    const to = { channelId: 'webchat', serviceUrl: 'http://127.0.0.1:1/', conversationId: 'conv-1', userId: 'user-1' };

    await teams.messageUser(to, { text: 'Done.', markdown: true, locale: 'es-ES' });

    expect(adapter.turns[0]?.reference).toMatchObject({ channelId: 'webchat', conversation: { id: 'conv-1', conversationType: 'personal' }, user: { id: 'user-1' } });
    expect(adapter.turns[0]?.sent).toEqual([{ type: 'message', text: 'Done.', textFormat: 'markdown', locale: 'es-ES' }]);
  });
});

describe('TeamsConnector.messageUserById (a 1:1 chat created by object id)', () => {
  const MANAGER = '824ddde4-be32-4fd3-8951-b3d5817272d2';

  it('creates a personal conversation with the member and tenant, posts the card, and says which conversation', async () => {
    const adapter = new TurnRecorder();
    const teams = new TeamsConnector(new ProactiveSender(adapter, 'bot-app-id'), 'bot-app-id');

    const outcome = await teams.messageUserById({ objectId: MANAGER, tenantId: 'tenant-1', serviceUrl: CHANNEL.serviceUrl }, { card });

    expect(outcome).toEqual({ ok: true, activityId: 'direct-1', conversationId: 'a:1new-1' });
    const [created] = adapter.created;
    expect(created).toMatchObject({ channelId: 'msteams', serviceUrl: CHANNEL.serviceUrl, audience: undefined });
    expect(created?.parameters).toEqual({
      isGroup: false,
      bot: { id: 'bot-app-id', name: '' },
      members: [{ id: MANAGER, name: '' }],
      tenantId: 'tenant-1',
      channelData: { tenant: { id: 'tenant-1' } },
    });
    expect(created?.sent).toEqual([{ type: 'message', attachments: [card] }]);
  });

  it('reports a creation that failed instead of throwing', async () => {
    const adapter = new TurnRecorder();
    adapter.failCreate = true;
    const teams = new TeamsConnector(new ProactiveSender(adapter, 'bot-app-id'), 'bot-app-id');

    const outcome = await teams.messageUserById({ objectId: MANAGER, serviceUrl: CHANNEL.serviceUrl }, { text: 'Hello' });

    expect(outcome.ok).toBe(false);
    expect(outcome.conversationId).toBeUndefined();
  });
});

describe('invokeResponse (Universal Actions answers)', () => {
  it('answers a card, a message and an error the way Teams expects each', () => {
    expect(invokeResponse({ kind: 'card', card })).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card.content });
    expect(invokeResponse({ kind: 'message', text: 'Hi' })).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Hi' });
    expect(invokeResponse({ kind: 'error', status: 403, text: 'No.' })).toEqual({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'Forbidden', message: 'No.' } });
    expect(invokeResponse({ kind: 'error', status: 404, text: '?' }).value).toEqual({ code: 'NotFound', message: '?' });
    expect(invokeResponse({ kind: 'error', status: 400, text: '!' }).value).toEqual({ code: 'BadRequest', message: '!' });
  });
});
