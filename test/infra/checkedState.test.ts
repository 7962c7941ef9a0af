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

  test('conversation state: the next turn sees what another instance wrote, never this process\'s older copy', async () => {
    const here = new CheckedConversationState(storage);
    const there = new CheckedConversationState(sibling);
    const first = turn('known');
    await here.createProperty<number>('n').set(first, 1);
    await here.saveChanges(first);

    const elsewhere = turn('known');
    expect(await there.createProperty<number>('n').get(elsewhere)).toBe(1);
    await there.createProperty<number>('n').set(elsewhere, 2);
    await there.saveChanges(elsewhere);

    const next = turn('known');
    expect(await here.createProperty<number>('n').get(next)).toBe(2);
    // And this process's own write is what its next turn reads.
    await here.createProperty<number>('n').set(next, 3);
    await here.saveChanges(next);
    const again = turn('known');
    expect(await here.createProperty<number>('n').get(again)).toBe(3);
    // Unchanged since this process saved it: the saved object itself, not parsed again.
    if (canKnow(storage)) expect(here.get(again)).toBe(here.get(next));
    expect(await there.createProperty<number>('n').get(turn('known'))).toBe(3);
  });

  test('conversation state: a turn that lost its save leaves nothing of its changes for the next turn', async () => {
    const here = new CheckedConversationState(storage);
    const setup = turn('lost');
    await here.createProperty<number>('n').set(setup, 1);
    await here.saveChanges(setup);

    const loser = turn('lost');
    await here.createProperty<number>('n').set(loser, 10);
    const winner = turn('lost');
    const there = new CheckedConversationState(sibling);
    await there.createProperty<number>('n').set(winner, 2);
    await there.saveChanges(winner);
    await expect(here.saveChanges(loser)).rejects.toBeInstanceOf(StateConflictError);

    expect(await here.createProperty<number>('n').get(turn('lost'))).toBe(2);
  });

  test('conversation state: a process keeps the documents of a bounded number of conversations', async () => {
    const here = new CheckedConversationState(storage, 3);
    for (let i = 0; i < 5; i += 1) {
      const t = turn(`bounded-${i}`);
      await here.createProperty<number>('n').set(t, i);
      await here.saveChanges(t);
    }
    expect(here.knownDocuments).toBe(canKnow(storage) ? 3 : 0);
    // Dropped or kept, every conversation reads back what it saved.
    for (let i = 0; i < 5; i += 1) expect(await here.createProperty<number>('n').get(turn(`bounded-${i}`))).toBe(i);
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

/** Only a store that reads by eTag (SqliteStorage's readJson) lets a process keep documents. */
function canKnow(storage: Storage): boolean {
  return typeof (storage as { readJson?: unknown }).readJson === 'function';
}
