/**
 * The conditional state writes on their own, on every store: what two turns that read the same
 * document and both save must lead to. Conversation state: the second save fails (the turn
 * runner re-runs that turn).
 */
import { TestAdapter, TurnContext, type Activity, type Storage } from 'botbuilder';
import { CheckedConversationState, StateConflictError } from '../../src/infra/checkedState';
import { canCreateIfAbsent } from '../../src/infra/storageErrors';
import { storageBackends } from '../helpers/storageBackends';

function turn(conversation = 'conv-1', user = 'user-1'): TurnContext {
  const activity: Partial<Activity> = {
    type: 'message',
    channelId: 'msteams',
    conversation: { id: conversation, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: user, name: '' },
    recipient: { id: 'bot', name: '' },
    text: 'hi',
  };
  return new TurnContext(new TestAdapter(), activity);
}

describe.each(storageBackends('checked-state'))('on %s', (_name, open) => {
  let storage: Storage;
  let sibling: Storage;
  let dispose: () => void | Promise<void>;
  beforeEach(() => {
    const backend = open();
    storage = backend.storage;
    sibling = backend.sibling();
    dispose = backend.dispose;
  });
  afterEach(async () => {
    await dispose();
  });

  test('conversation state: of two turns that read the same document, the second save fails and changes nothing', async () => {
    const setup = turn();
    const state = new CheckedConversationState(storage);
    await state.createProperty<number>('step').set(setup, 1);
    await state.saveChanges(setup);

    const [a, b] = [turn(), turn()];
    const onA = new CheckedConversationState(storage);
    const onB = new CheckedConversationState(sibling);
    await Promise.all([onA.load(a), onB.load(b)]);
    await onA.createProperty<number>('step').set(a, 2);
    await onB.createProperty<number>('step').set(b, 3);
    await onA.saveChanges(a);
    await expect(onB.saveChanges(b)).rejects.toBeInstanceOf(StateConflictError);

    const check = turn();
    expect(await new CheckedConversationState(storage).createProperty<number>('step').get(check)).toBe(2);
  });

  test('conversation state: two first turns of a new conversation cannot both create it', async () => {
    const [a, b] = [turn('new-conv'), turn('new-conv')];
    const onA = new CheckedConversationState(storage);
    const onB = new CheckedConversationState(sibling);
    await Promise.all([onA.load(a), onB.load(b)]);
    await onA.createProperty<string>('welcomed').set(a, 'a');
    await onB.createProperty<string>('welcomed').set(b, 'b');
    const results = await Promise.allSettled([onA.saveChanges(a), onB.saveChanges(b)]);
    // botbuilder's plain MemoryStorage cannot create atomically (both "win"); the turn runner's
    // per-process queue is what protects it, and it serves one process only.
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(canCreateIfAbsent(storage) ? 1 : 0);
  });

  test('conversation state: a turn that reads but changes nothing writes nothing, so it cannot conflict', async () => {
    const setup = turn('quiet');
    const state = new CheckedConversationState(storage);
    await state.createProperty('dialogState').set(setup, { dialogStack: [{ id: 'main', state: { stepIndex: 1, values: { at: new Date(0) } } }] });
    await state.createProperty<number>('n').set(setup, 1);
    await state.saveChanges(setup);

    const reader = turn('quiet');
    const onA = new CheckedConversationState(storage);
    await onA.load(reader);
    // Another instance writes in between: a write from the reader would now be refused.
    const other = turn('quiet');
    const onB = new CheckedConversationState(sibling);
    await onB.createProperty<number>('n').set(other, 2);
    await onB.saveChanges(other);

    await expect(onA.saveChanges(reader)).resolves.toBeUndefined();
    expect(await new CheckedConversationState(storage).createProperty<number>('n').get(turn('quiet'))).toBe(2);
  });

  test('conversation state: a turn may save twice (the error handler after the turn) without conflicting with itself', async () => {
    const t = turn('twice');
    const state = new CheckedConversationState(storage);
    await state.createProperty<number>('n').set(t, 1);
    await state.saveChanges(t);
    await state.createProperty<number>('n').set(t, 2);
    await expect(state.saveChanges(t)).resolves.toBeUndefined();
    expect(await new CheckedConversationState(storage).createProperty<number>('n').get(turn('twice'))).toBe(2);
  });
});
