import { ComponentRegistration, ConversationState, MemoryStorage, TestAdapter, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog, type DialogState, type DialogStateManagerConfiguration } from 'botbuilder-dialogs';
// Not in the package's index; dialogStateManager.js constructs it from this module.
import * as registrationModule from 'botbuilder-dialogs/lib/dialogsComponentRegistration';
import { DialogContexts } from '../../dialogs/dialogMemory';

/** A two-question waterfall run through DialogContexts, recording each turn's memory configuration. */
function setUp() {
  const state = new ConversationState(new MemoryStorage());
  const dialogState = state.createProperty<DialogState>('dialogState');
  const dialogs = new DialogSet(dialogState);
  dialogs.add(new TextPrompt('text'));
  dialogs.add(
    new WaterfallDialog('ask', [
      async (step) => step.prompt('text', 'Name?'),
      async (step) => step.prompt('text', `Hi ${String(step.result)}. Town?`),
      async (step) => {
        // A prompt's own memory reads go through the shared configuration too (turn.stepCount).
        await step.context.sendActivity(`${String(step.result)} noted (${String(step.state.getValue('turn.activity.text'))})`);
        return step.endDialog();
      },
    ]),
  );
  const contexts = new DialogContexts(dialogs, dialogState);
  const configurations: DialogStateManagerConfiguration[] = [];
  const adapter = new TestAdapter(async (context: TurnContext) => {
    const dc = await contexts.create(context);
    configurations.push(dc.state.configuration);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog('ask');
    await state.saveChanges(context);
  });
  return { adapter, configurations };
}

describe('DialogContexts', () => {
  test('every turn after the first reuses the first turn\'s memory configuration (botbuilder-dialogs still reads the key)', async () => {
    const { adapter, configurations } = setUp();
    await adapter.send('hi').assertReply('Name?').send('Ana').assertReply('Hi Ana. Town?').send('Vigo').assertReply('Vigo noted (Vigo)').startTest();
    expect(configurations).toHaveLength(3);
    expect(configurations[1]).toBe(configurations[0]);
    expect(configurations[2]).toBe(configurations[0]);
    expect(configurations[0]!.memoryScopes.map((s) => s.name)).toEqual(expect.arrayContaining(['turn', 'dialog', 'conversation', 'user']));
  });

  test('turn memory does not leak from one turn into the next through the shared scopes', async () => {
    const { adapter } = setUp();
    // Each turn's "turn.activity" is that turn's own activity, though the scopes are shared.
    await adapter.send('one').assertReply('Name?').send('two').assertReply('Hi two. Town?').send('three').assertReply('three noted (three)').startTest();
  });

  test('dialog contexts stop building a DialogsComponentRegistration each: every turn registers the same one', async () => {
    const { adapter } = setUp();
    const registered = () => ComponentRegistration.components.find((c) => c instanceof registrationModule.DialogsComponentRegistration);
    await adapter.send('hi').assertReply('Name?').startTest();
    const first = registered();
    expect(first).toBeDefined();
    // Each of these turns builds several dialog contexts (the set's, each waterfall step's), and
    // each context's DialogStateManager registers `new DialogsComponentRegistration()`.
    await adapter.send('Ana').assertReply('Hi Ana. Town?').send('Vigo').assertReply('Vigo noted (Vigo)').startTest();
    expect(registered()).toBe(first);
    expect(new registrationModule.DialogsComponentRegistration()).toBe(first);
    // Still a working registration: the scopes a fresh configuration would be built from.
    expect(first!.getMemoryScopes().map((s) => s.name)).toEqual(expect.arrayContaining(['turn', 'dialog']));
  });

  test('remembered memory paths parse as before: each caller gets its own copy, and a bracketed path is read from the state of the moment', async () => {
    const state = new ConversationState(new MemoryStorage());
    const dialogState = state.createProperty<DialogState>('dialogState');
    const dialogs = new DialogSet(dialogState);
    const seen: unknown[] = [];
    dialogs.add(
      new WaterfallDialog('w', [
        async (step) => {
          const manager = step.state;
          const first = manager.parsePath('dialog.values.answer');
          first.pop();
          expect(manager.parsePath('dialog.values.answer')).toEqual(['dialog', 'values', 'answer']);
          expect(manager.transformPath('$answer')).toBe('dialog.answer');
          expect(manager.transformPath('$answer')).toBe('dialog.answer');
          manager.setValue('dialog.map', { a: 'first', b: 'second' });
          manager.setValue('dialog.key', 'a');
          seen.push(manager.getValue('dialog.map[dialog.key]'));
          manager.setValue('dialog.key', 'b');
          seen.push(manager.getValue('dialog.map[dialog.key]'));
          return step.endDialog();
        },
      ]),
    );
    const contexts = new DialogContexts(dialogs, dialogState);
    const adapter = new TestAdapter(async (context: TurnContext) => {
      const dc = await contexts.create(context);
      await dc.beginDialog('w');
      await state.saveChanges(context);
    });
    await adapter.send('hi').startTest();
    expect(seen).toEqual(['first', 'second']);
  });
});
