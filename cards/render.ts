/**
 * The one renderer for the Adaptive Card templates in this folder. Templates are JSON with
 * `${}` bindings (adaptivecards-templating); callers pass typed data and get card JSON back.
 * Values that came from a person must already be escaped by the caller (the localizer does it).
 */
import type { Template as CardTemplate } from 'adaptivecards-templating';
import helpdeskRequest from './helpdeskRequest.json';
import intakeSummary from './intakeSummary.json';
import managerConfirmation from './managerConfirmation.json';
import step from './step.json';
import wasThisYou from './wasThisYou.json';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export interface CardChoice {
  title: string;
  /** Sent back as `value.choice` by Action.Submit; recognised like a typed answer. */
  value: string;
}

export interface CardData {
  step: { progress: string; title: string; text: string; url: string; openLabel: string; choices: CardChoice[] };
  intakeSummary: { title: string; facts: { label: string; value: string }[]; question: string; choices: CardChoice[] };
  /** The request as the helpdesk sees it: Universal Actions (Action.Execute) for Teams. */
  helpdeskRequest: {
    reference: string;
    title: string;
    status: string;
    statusColor: 'Default' | 'Attention' | 'Good' | 'Warning';
    facts: { label: string; value: string }[];
    methodsTitle: string;
    methods: string[];
    /** "Signed in to Teams right now…" for a web-chat request whose target is in Teams; '' for none. */
    presenceLine: string;
    evidenceTitle: string;
    /** The manager's confirmation, the owner's dispute, each override: markdown list lines. */
    evidence: string[];
    /** Approver view: what the evidence policy still needs before an action; '' when nothing. */
    policyLine: string;
    /** The override section (a written reason, "Override and continue"): approver view, when the policy needs one. */
    showOverride: boolean;
    checklistTitle: string;
    checklist: string[];
    /** Approve/deny buttons: only while pending, and only in an approver's view. */
    showActions: boolean;
    /** Shown above the actions when a new mobile number would not let the person sign in; '' for none. */
    phoneWarning: string;
    /** "Show details" on the shared card, for approvers to get their own view. */
    showDetails: boolean;
    /** Teams asks the bot for an up-to-date, user-specific view for these users (at most 60). */
    refreshUserIds: string[];
    labels: {
      replaceMobile: string;
      issueTap: string;
      reRegister: string;
      deny: string;
      denyReason: string;
      denyReasonRequired: string;
      denyConfirm: string;
      details: string;
      override: string;
      overrideReason: string;
      overrideReasonRequired: string;
      overrideConfirm: string;
    };
  };
  /** The 1:1 card asking the target's manager (Action.Execute verbs managerYes / managerNo). */
  managerConfirmation: {
    reference: string;
    title: string;
    text: string;
    facts: { label: string; value: string }[];
    /** "Has <name> told you they changed phones?"; '' once answered. */
    question: string;
    /** What was recorded, after the answer; '' while asking. */
    status: string;
    showActions: boolean;
    labels: { yes: string; no: string };
  };
  /** "Was this you?" after a change, 1:1 to the owner and to their manager (verb notMe). */
  wasThisYou: {
    reference: string;
    title: string;
    text: string;
    facts: { label: string; value: string }[];
    status: string;
    statusColor: 'Default' | 'Attention' | 'Good' | 'Warning';
    /** "This wasn't me": on the owner's copy only. */
    showAction: boolean;
    label: string;
  };
}

export type CardName = keyof CardData;

const templates: Record<CardName, object> = { step, intakeSummary, helpdeskRequest, managerConfirmation, wasThisYou };

export interface CardAttachment {
  contentType: typeof ADAPTIVE_CARD;
  content: Record<string, unknown>;
}

/**
 * Expanding a template parses every `${}` expression with adaptive-expressions' ANTLR parser:
 * it was a sixth of a whole turn's CPU in the benchmark. The same step card in the same language
 * is rendered again and again, so expansions are kept (a bounded, least-recently-used map).
 * Callers share a kept expansion, frozen so that none can change what the next one gets: a copy
 * for each caller (structuredClone) was most of the renderer's cost once expansions were kept.
 */
const CACHE_LIMIT = 512;

/**
 * adaptivecards-templating (with adaptive-expressions and ANTLR) is loaded on first use, not with
 * this module: it is ~0.2 s of start-up, and no card is shown before a conversation's second turn.
 * The server calls preloadCardRenderer() once it is listening, so that turn does not pay for it.
 */
let Template: typeof CardTemplate | undefined;
export function preloadCardRenderer(): typeof CardTemplate {
  Template ??= (require('adaptivecards-templating') as typeof import('adaptivecards-templating')).Template;
  return Template;
}

const expanded = new Map<string, Record<string, unknown>>();

export function renderCard<K extends CardName>(name: K, data: CardData[K]): CardAttachment {
  const key = `${name}\n${JSON.stringify(data)}`;
  let content = expanded.get(key);
  if (content) {
    expanded.delete(key); // re-inserted below: most recently used last
  } else {
    content = withoutNulls(new (preloadCardRenderer())(templates[name]).expand({ $root: data })) as Record<string, unknown>;
    // The schema link helps editors; hosts do not need it in every message.
    delete content.$schema;
    deepFreeze(content);
    if (expanded.size >= CACHE_LIMIT) expanded.delete(expanded.keys().next().value as string);
  }
  expanded.set(key, content);
  return { contentType: ADAPTIVE_CARD, content };
}

function deepFreeze(value: object): void {
  for (const child of Object.values(value)) if (child !== null && typeof child === 'object') deepFreeze(child as object);
  Object.freeze(value);
}

/** Every template with its name, for the test that renders them all. */
export const cardNames = Object.keys(templates) as CardName[];

/** A `$when` that drops an object-valued property leaves `null` behind; hosts should not see it. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}
