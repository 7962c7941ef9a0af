/**
 * A focused micro-benchmark of the state round trip of one turn: load the conversation state,
 * change the dialog stack a little, save it, on SqliteStorage. It times builds of
 * src/infra/checkedState.ts and src/infra/sqliteStorage.ts side by side in one process,
 * alternating rounds, so two commits can be compared on a busy machine:
 *
 *   node dist/bench/stateRoundTrip.js <dir with infra/*.js> [<another dir> ...] [--rounds=8] [--turns=4000]
 *
 * A build that still exports CheckedUserState gets the user state turn the bot used to run too
 * (load both documents, set the profile's locale, save both). CPU time per turn is reported
 * (process.cpuUsage, which the other processes on a shared machine disturb less than wall time).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestAdapter, TurnContext, type Activity, type BotState, type Storage } from 'botbuilder';

interface Impl {
  name: string;
  storage: Storage & { close(): void };
  conversation: BotState & { forget(context: TurnContext): void };
  user?: BotState;
}

const CONVERSATIONS = 50;

/** About the size and shape of a conversation's document halfway through the support flow. */
function seedDocument(n: number): Record<string, unknown> {
  const card = {
    type: 'AdaptiveCard',
    version: '1.5',
    body: Array.from({ length: 6 }, (_, i) => ({ type: 'TextBlock', wrap: true, text: `Line ${i} of the question the bot asked, in plain words.` })),
    actions: ['Yes', 'No', 'Not sure'].map((title) => ({ type: 'Action.Submit', title, data: { answer: title.toLowerCase() } })),
  };
  return {
    welcomed: true,
    supportCase: { kind: 'work', problem: { lostPhone: true, newNumber: false }, smsNoteShown: true, scamWarned: true },
    dialogState: {
      dialogStack: [
        { id: 'mainDialog', state: { options: { entry: 'welcome' }, values: { instanceId: `i-${n}-a` }, stepIndex: 2 } },
        { id: 'phoneChangeDialog', state: { options: { kind: 'work' }, values: { instanceId: `i-${n}-b`, misses: 0 }, stepIndex: 1 } },
        {
          id: 'choicePrompt',
          state: { options: { prompt: { type: 'message', text: 'Which of these is true?', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }] } }, state: {} },
        },
      ],
    },
  };
}

function contextFor(n: number): TurnContext {
  const activity: Partial<Activity> = {
    type: 'message',
    channelId: 'webchat',
    locale: 'en-GB',
    conversation: { id: `conversation-${n}`, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: `user-${n}`, name: '' },
    recipient: { id: 'bot', name: '' },
    text: 'yes',
  };
  return new TurnContext(new TestAdapter(), activity);
}

async function turn(impl: Impl, n: number, adapterTurn: number): Promise<void> {
  const context = contextFor(n);
  await Promise.all([impl.conversation.load(context), impl.user?.load(context)]);
  const state = impl.conversation.get(context) as { dialogState: { dialogStack: { state: { stepIndex?: number; values?: Record<string, unknown> } }[] } };
  const step = state.dialogState.dialogStack[1]!.state;
  step.stepIndex = adapterTurn % 4;
  step.values!.misses = adapterTurn % 3;
  if (impl.user) {
    const user = impl.user.get(context) as { profile?: { locale?: string } };
    (user.profile ??= {}).locale = 'en-GB';
  }
  await impl.conversation.saveChanges(context, false);
  await impl.user?.saveChanges(context, false);
}

async function build(dir: string, work: string): Promise<Impl> {
  // The builds to compare are only known at run time, hence require.
  const checked = require(path.resolve(dir, 'infra/checkedState.js')) as Record<string, new (storage: Storage) => BotState & { forget(c: TurnContext): void }>;
  const { SqliteStorage } = require(path.resolve(dir, 'infra/sqliteStorage.js')) as { SqliteStorage: new (file: string) => Storage & { close(): void } };
  const storage = new SqliteStorage(path.join(work, `${path.basename(path.dirname(path.resolve(dir)))}-${Math.random()}.sqlite`));
  const conversation = new checked.CheckedConversationState!(storage);
  const user = checked.CheckedUserState ? new checked.CheckedUserState(storage) : undefined;
  const impl: Impl = { name: dir, storage, conversation, user };
  for (let n = 0; n < CONVERSATIONS; n += 1) {
    const context = contextFor(n);
    await conversation.load(context);
    Object.assign(conversation.get(context) as object, seedDocument(n));
    await conversation.saveChanges(context, true);
  }
  return impl;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dirs = args.filter((a) => !a.startsWith('--'));
  const option = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const rounds = option('rounds', 8);
  const turns = option('turns', 4000);
  if (dirs.length === 0) throw new Error('usage: stateRoundTrip <dir with infra/*.js> [...]');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'state-bench-'));
  const impls: Impl[] = [];
  for (const dir of dirs) impls.push(await build(dir, work));
  const samples = new Map<Impl, number[]>(impls.map((i) => [i, []]));
  let t = 0;
  for (let round = 0; round <= rounds; round += 1) {
    for (const impl of round % 2 === 0 ? impls : [...impls].reverse()) {
      const before = process.cpuUsage();
      for (let i = 0; i < turns; i += 1) await turn(impl, (t += 1) % CONVERSATIONS, t);
      const used = process.cpuUsage(before);
      // Round 0 is the warm-up.
      if (round > 0) samples.get(impl)!.push((used.user + used.system) / turns);
    }
  }
  for (const impl of impls) {
    const s = [...samples.get(impl)!].sort((a, b) => a - b);
    const median = s[Math.floor(s.length / 2)]!;
    console.log(`${impl.name}: median ${median.toFixed(1)} µs CPU per turn (rounds ${s.map((v) => v.toFixed(1)).join(' ')})`);
    impl.storage.close();
  }
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
