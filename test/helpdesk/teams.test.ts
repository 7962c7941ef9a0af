/**
 * The Teams side of the helpdesk seam: the port's sends become proactive turns on the right
 * conversation references, and the service's answers become the invoke responses Teams expects.
 */
import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
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

describe('invokeResponse (Universal Actions answers)', () => {
  it('answers a card, a message and an error the way Teams expects each', () => {
    expect(invokeResponse({ kind: 'card', card })).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card.content });
    expect(invokeResponse({ kind: 'message', text: 'Hi' })).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Hi' });
    expect(invokeResponse({ kind: 'error', status: 403, text: 'No.' })).toEqual({ statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'Forbidden', message: 'No.' } });
    expect(invokeResponse({ kind: 'error', status: 404, text: '?' }).value).toEqual({ code: 'NotFound', message: '?' });
    expect(invokeResponse({ kind: 'error', status: 400, text: '!' }).value).toEqual({ code: 'BadRequest', message: '!' });
  });
});
