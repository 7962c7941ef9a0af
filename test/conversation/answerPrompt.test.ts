import { ConversationState, MemoryStorage, TestAdapter, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, ListStyle, WaterfallDialog, type FoundChoice } from 'botbuilder-dialogs';
import { AnswerPrompt } from '../../dialogs/prompts';

/** A root waterfall asking one AnswerPrompt question; counts how often the prompt read each turn's text. */
function setUp() {
  const state = new ConversationState(new MemoryStorage());
  const dialogs = new DialogSet(state.createProperty('dialogState'));
  const reads: string[] = [];
  dialogs.add(
    new AnswerPrompt('ask', 3, (context) => {
      reads.push(context.activity.text ?? '');
      return context.activity.text === 'azul' ? 'blue' : undefined;
    }),
  );
  dialogs.add(
    new WaterfallDialog('root', [
      async (step) => step.prompt('ask', { prompt: 'Red or blue?', retryPrompt: 'Red or blue, please.', choices: [{ value: 'red' }, { value: 'blue' }] }),
      async (step) => {
        await step.context.sendActivity(`You chose ${(step.result as FoundChoice | undefined)?.value ?? 'nothing'}`);
        return step.endDialog();
      },
    ]),
  );
  const adapter = new TestAdapter(async (context: TurnContext) => {
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog('root');
    await state.saveChanges(context);
  });
  return { adapter, reads };
}

describe('AnswerPrompt', () => {
  test('reads each answer once per turn (botbuilder-dialogs\' activityReceived event no longer recognises it first)', async () => {
    const { adapter, reads } = setUp();
    await adapter
      .send('hi')
      .assertReply((a) => expect(a.text).toContain('Red or blue?'))
      .send('green')
      .assertReply((a) => expect(a.text).toContain('Red or blue, please.'))
      .send('azul')
      .assertReply('You chose blue')
      .startTest();
    expect(reads).toEqual(['green', 'azul']);
  });

  test('a typed title still answers, with the fallback not needed', async () => {
    const { adapter, reads } = setUp();
    await adapter.send('hi').assertReply((a) => expect(a.text).toContain('Red or blue?')).send('red').assertReply('You chose red').startTest();
    expect(reads).toEqual([]);
  });

  test('adds the buttons to a copy of the prompt: the prompt kept in dialog state is left as it was', () => {
    const prompt = new AnswerPrompt('ask', 3);
    const stored = { type: 'message', text: 'Which?', attachments: [{ contentType: 'application/json', content: { nested: { a: 1 } } }] };
    const before = structuredClone(stored);
    const choices = [{ value: 'red', action: { type: 'imBack', title: 'Red', value: 'red' } }];
    // appendChoices is protected: called as ChoicePrompt.onPrompt calls it.
    type Sent = { text?: string; suggestedActions?: { actions: { title: string }[] }; attachments?: unknown[] };
    type Append = (p: object, channelId: string, choices: object[], style: ListStyle) => Sent;
    const append = (prompt as unknown as { appendChoices: Append }).appendChoices.bind(prompt);
    const sent = append(stored, 'webchat', choices, ListStyle.suggestedAction);
    expect(sent).not.toBe(stored);
    expect(sent.text).toBe('Which?');
    expect(sent.suggestedActions!.actions.map((a) => a.title)).toEqual(['Red']);
    expect(sent.attachments).toEqual(stored.attachments);
    expect(stored).toEqual(before);
    // The hero-card style appends a card: to a new list, never to the stored one.
    const withCard = append(stored, 'msteams', choices, ListStyle.heroCard);
    expect(withCard.attachments).toHaveLength(2);
    expect(stored).toEqual(before);
  });
});
