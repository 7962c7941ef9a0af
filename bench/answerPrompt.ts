/**
 * Micro-benchmark: one answered ChoicePrompt turn with AnswerPrompt as shipped (the answer read
 * once) and with botbuilder's own activityReceived handling restored (read twice), alternating
 * in one process. Run: npx tsc -p tsconfig.bench.json && node dist/bench/answerPrompt.js
 */
import { ConversationState, MemoryStorage, TestAdapter, type TurnContext } from 'botbuilder';
import { ChoicePrompt, DialogSet, DialogTurnStatus, WaterfallDialog, type DialogContext, type DialogEvent } from 'botbuilder-dialogs';
import { AnswerPrompt } from '../dialogs/prompts';

class LibraryEvent extends AnswerPrompt {
  protected override onPreBubbleEvent(dc: DialogContext, event: DialogEvent): Promise<boolean> {
    return (ChoicePrompt.prototype as unknown as { onPreBubbleEvent(dc: DialogContext, event: DialogEvent): Promise<boolean> }).onPreBubbleEvent.call(this, dc, event);
  }
}

function bot(prompt: AnswerPrompt): TestAdapter {
  const state = new ConversationState(new MemoryStorage());
  const dialogs = new DialogSet(state.createProperty('dialogState')).add(prompt);
  const choices = ['Done', "I'm stuck", 'Start over'].map((value) => ({ value, action: { type: 'imBack', title: value, value } }));
  dialogs.add(
    new WaterfallDialog('root', [
      async (step) => step.prompt('ask', { prompt: 'Step 2 of 4', choices }),
      async (step) => step.replaceDialog('root'),
    ]),
  );
  return new TestAdapter(async (context: TurnContext) => {
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog('root');
    await state.saveChanges(context);
  });
}

type Way = 'once' | 'twice';

async function main(): Promise<void> {
  const adapters: Record<Way, TestAdapter> = { once: bot(new AnswerPrompt('ask', 3)), twice: bot(new LibraryEvent('ask', 3)) };
  for (const adapter of Object.values(adapters)) await adapter.send('hi').startTest();
  const turns = 2000;
  const times: Record<Way, number[]> = { once: [], twice: [] };
  for (let round = 0; round < 8; round += 1) {
    for (const way of (round % 2 ? ['twice', 'once'] : ['once', 'twice']) as Way[]) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < turns; i += 1) await adapters[way].send('Done').startTest();
      times[way].push(Number(process.hrtime.bigint() - start) / turns / 1000);
    }
  }
  for (const way of Object.keys(times) as Way[]) {
    const kept = times[way].slice(2).sort((a, b) => a - b); // the first two rounds warm up
    console.log(`answer read ${way}: ${kept[3]!.toFixed(1)} us per turn (median; ${kept[0]!.toFixed(1)}-${kept[5]!.toFixed(1)})`);
  }
}

void main();
