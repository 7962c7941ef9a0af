/**
 * The one renderer for the Adaptive Card templates in this folder. Templates are JSON with
 * `${}` bindings (adaptivecards-templating); callers pass typed data and get card JSON back.
 * Values that came from a person must already be escaped by the caller (the localizer does it).
 */
import { Template } from 'adaptivecards-templating';
import intakeSummary from './intakeSummary.json';
import step from './step.json';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export interface CardChoice {
  title: string;
  /** Sent back as `value.choice` by Action.Submit; recognised like a typed answer. */
  value: string;
}

export interface CardData {
  step: { progress: string; title: string; text: string; url: string; openLabel: string; choices: CardChoice[] };
  intakeSummary: { title: string; facts: { label: string; value: string }[]; question: string; choices: CardChoice[] };
}

export type CardName = keyof CardData;

const templates: Record<CardName, object> = { step, intakeSummary };

export interface CardAttachment {
  contentType: typeof ADAPTIVE_CARD;
  content: Record<string, unknown>;
}

export function renderCard<K extends CardName>(name: K, data: CardData[K]): CardAttachment {
  const content = new Template(templates[name]).expand({ $root: data }) as Record<string, unknown>;
  // The schema link helps editors; hosts do not need it in every message.
  delete content.$schema;
  return { contentType: ADAPTIVE_CARD, content };
}

/** Every template with its name, for the test that renders them all. */
export const cardNames = Object.keys(templates) as CardName[];
