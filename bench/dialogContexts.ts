/**
 * Micro-benchmark: the first dialog context of a turn, built the library's way
 * (DialogSet.createContext, which rebuilds the memory-scope configuration every turn) and through
 * dialogs/dialogMemory.ts (which reuses it), alternating in one process.
 * Run: npx tsc -p tsconfig.bench.json && node dist/bench/dialogContexts.js
 */
import { ConversationState, MemoryStorage, TestAdapter, TurnContext, type Activity } from 'botbuilder';
import { DialogSet, WaterfallDialog, type DialogState } from 'botbuilder-dialogs';
import { DialogContexts } from '../dialogs/dialogMemory';

const state = new ConversationState(new MemoryStorage());
const dialogState = state.createProperty<DialogState>('dialogState');
const dialogs = new DialogSet(dialogState).add(new WaterfallDialog('w', [async (step) => step.endDialog()]));
const shared = new DialogContexts(dialogs, dialogState);
const adapter = new TestAdapter(async () => undefined);
const activity: Partial<Activity> = { type: 'message', text: 'Done', channelId: 'webchat', conversation: { id: 'c', isGroup: false, conversationType: 'personal', name: '' }, from: { id: 'u', name: '' }, recipient: { id: 'b', name: '' } };
const ways = { library: (ctx: TurnContext) => dialogs.createContext(ctx), shared: (ctx: TurnContext) => shared.create(ctx) };
type Way = keyof typeof ways;

async function main(): Promise<void> {
  const turns = 5000;
  const times: Record<Way, number[]> = { library: [], shared: [] };
  for (let round = 0; round < 8; round += 1) {
    for (const way of (round % 2 ? ['shared', 'library'] : ['library', 'shared']) as Way[]) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < turns; i += 1) await ways[way](new TurnContext(adapter, activity));
      times[way].push(Number(process.hrtime.bigint() - start) / turns / 1000);
    }
  }
  for (const way of Object.keys(times) as Way[]) {
    const kept = times[way].slice(2).sort((a, b) => a - b); // the first two rounds warm up
    console.log(`${way}: ${kept[3]!.toFixed(1)} us per turn's first dialog context (median; ${kept[0]!.toFixed(1)}-${kept[5]!.toFixed(1)})`);
  }
}

void main();
