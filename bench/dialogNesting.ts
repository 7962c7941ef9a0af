/**
 * Micro-benchmark: what a component dialog level costs a turn. The same turn (a prompt answered,
 * its waterfall replaced by itself, the prompt asked again: a guided step's "Done") runs with the
 * waterfall and prompt one, two and three ComponentDialogs deep, alternating in one process, on
 * botbuilder's MemoryStorage. CPU time per turn (process.cpuUsage).
 *   npx tsc -p tsconfig.bench.json && node dist/bench/dialogNesting.js [--rounds=6] [--turns=4000]
 */
import { ConversationState, MemoryStorage, TestAdapter, TurnContext, type Activity } from 'botbuilder';
import { ComponentDialog, DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog, type Dialog, type DialogState } from 'botbuilder-dialogs';
import { DialogContexts } from '../dialogs/dialogMemory';

const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = arg('rounds', 6);
const turns = arg('turns', 4000);
const DEPTHS = [0, 1, 2, 3] as const;

class Level extends ComponentDialog {
  constructor(id: string, members: Dialog[], entry: string) {
    super(id);
    for (const member of members) this.addDialog(member);
    this.initialDialogId = entry;
  }
}

function build(depth: number) {
  const steps = new WaterfallDialog('steps', [async (s) => s.prompt('ask', { prompt: { type: 'message', text: 'Done?' } }), async (s) => s.replaceDialog('steps')]);
  let members: Dialog[] = [steps, new TextPrompt('ask')];
  let entry = 'steps';
  for (let level = 1; level <= depth; level += 1) {
    const component = new Level(`level${level}`, members, entry);
    members = [component];
    entry = component.id;
  }
  const state = new ConversationState(new MemoryStorage());
  const dialogState = state.createProperty<DialogState>('dialogState');
  const set = new DialogSet(dialogState);
  for (const member of members) set.add(member);
  return { contexts: new DialogContexts(set, dialogState), entry, state };
}

const adapter = new TestAdapter(async () => undefined);
// Replies go nowhere: the adapter's own bookkeeping is not what is measured.
adapter.sendActivities = async (_context, activities) => activities.map(() => ({ id: '' }));
const activity: Partial<Activity> = { type: 'message', text: 'Done', channelId: 'webchat', conversation: { id: 'c', isGroup: false, conversationType: 'personal', name: '' }, from: { id: 'u', name: '' }, recipient: { id: 'b', name: '' } };

async function round(depth: number): Promise<number> {
  const { contexts, entry, state } = build(depth);
  const started = process.cpuUsage();
  for (let i = 0; i < turns; i += 1) {
    const context = new TurnContext(adapter, { ...activity });
    const dc = await contexts.create(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(entry);
    await state.saveChanges(context);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / turns;
}

async function main(): Promise<void> {
  const times = new Map<number, number[]>(DEPTHS.map((d) => [d, []]));
  for (const depth of DEPTHS) await round(depth); // warm-up
  for (let r = 0; r < rounds; r += 1) {
    for (const depth of r % 2 ? [...DEPTHS].reverse() : DEPTHS) times.get(depth)!.push(await round(depth));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const depth of DEPTHS) {
    const xs = times.get(depth)!;
    console.log(`${depth} component level${depth === 1 ? '' : 's'}: ${median(xs).toFixed(1)} µs CPU per turn (median of ${xs.length}; ${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`);
  }
}

void main();
