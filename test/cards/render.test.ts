import type * as ACTypes from 'adaptivecards';
import en from '../../locales/en.json';
import es from '../../locales/es.json';
import { ADAPTIVE_CARD, cardNames, renderCard, type CardData, type CardName } from '../../cards/render';
import { escapeMarkup, Localizer } from '../../src/core/i18n';
import { maskPhoneNumber } from '../../src/core/phone';
import { helpdeskCardLabels } from '../../src/helpdesk/cards';

// The package's `lib/` build is ES modules with extensionless imports, which neither Node's CommonJS
// loader nor Jest can load; its UMD bundle is the same library and needs no DOM to parse or validate.
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof ACTypes;

const localizer = new Localizer({ en, es }, 'en');

const buttons = (lang: string, ...names: string[]) =>
  names.map((name) => ({ title: localizer.t(lang, `choices.${name}`), value: name }));

function stepSample(lang: string, walkthrough: 'personal' | 'work', step: string, n: number): CardData['step'] {
  const key = `${walkthrough}.steps.${step}`;
  return {
    progress: localizer.t(lang, 'step.progress', { n, total: 4 }),
    title: localizer.t(lang, `${key}.title`),
    text: localizer.t(lang, `${key}.text`),
    url: localizer.has(lang, `${key}.url`) ? localizer.t(lang, `${key}.url`) : '',
    openLabel: localizer.t(lang, 'step.open'),
    choices: buttons(lang, 'done', 'stuck', 'startOver'),
  };
}

function summarySample(lang: string): CardData['intakeSummary'] {
  const t = (key: string) => localizer.t(lang, key);
  return {
    title: t('intake.summaryTitle'),
    facts: [
      // A typed address is escaped by the caller, as the dialog does.
      { label: t('intake.summaryAccount'), value: escapeMarkup('jo_bloggs+mfa@contoso.com') },
      { label: t('intake.summaryNewNumber'), value: maskPhoneNumber('+447400123456') },
      { label: t('intake.summaryOldNumber'), value: t('intake.summaryNotGiven') },
      { label: t('intake.summaryFix'), value: t('intake.fix.temporary-access-pass') },
    ],
    question: t('intake.confirmAsk'),
    choices: buttons(lang, 'send', 'change'),
  };
}

function helpdeskSample(lang: string, pending: boolean): CardData['helpdeskRequest'] {
  const t = (key: string, vars?: Record<string, string>) => localizer.t(lang, key, vars);
  return {
    reference: 'HD-7K3M-Q9XD',
    title: t('helpdesk.title', { reference: 'HD-7K3M-Q9XD' }),
    status: pending ? t('helpdesk.status.pending') : t('helpdesk.status.denied', { by: 'Lee Gu', at: '10:02', reason: 'No call-back <possible>' }),
    statusColor: pending ? 'Attention' : 'Warning',
    facts: [
      { label: t('helpdesk.facts.account'), value: 'adele.vance@contoso.example' },
      { label: t('helpdesk.facts.verification'), value: t('helpdesk.assurance.unverified') },
      { label: t('helpdesk.facts.requestedNumber'), value: maskPhoneNumber('+447400123456') },
    ],
    methodsTitle: t('helpdesk.methodsTitle'),
    methods: ['- Mobile phone +44 ••••••••23'],
    presenceLine: pending ? t('helpdesk.presence.signedIn') : '',
    evidenceTitle: t('helpdesk.evidence.title'),
    evidence: [`- ${t('helpdesk.evidence.manager.notAsked')}`],
    policyLine: pending ? t('helpdesk.refusal.needs-manager-confirmation') : '',
    showOverride: pending,
    checklistTitle: t('helpdesk.checklistTitle'),
    checklist: localizer.list(lang, 'helpdesk.checklist').map((line) => `- ${line}`),
    showActions: pending,
    phoneWarning: pending ? t('helpdesk.phoneWarning.retired', { date: '1 February 2027' }) : '',
    showDetails: !pending,
    refreshUserIds: pending ? ['40614aca-a9c8-4628-9699-d36ea2979204'] : [],
    labels: helpdeskCardLabels(localizer, lang),
  };
}

function managerSample(lang: string, answered: boolean): CardData['managerConfirmation'] {
  const t = (key: string, vars?: Record<string, string>) => localizer.t(lang, key, vars);
  return {
    reference: 'HD-7K3M-Q9XD',
    title: t('helpdesk.managerCard.title', { name: 'Adele Vance' }),
    text: t('helpdesk.managerCard.text', { name: 'Adele Vance', reference: 'HD-7K3M-Q9XD' }),
    facts: [
      { label: t('helpdesk.managerCard.account'), value: 'Adele Vance (adele.vance@contoso.example)' },
      { label: t('helpdesk.managerCard.askedBy'), value: t('helpdesk.managerCard.askedByWeb') },
    ],
    question: answered ? '' : t('helpdesk.managerCard.question', { name: 'Adele Vance' }),
    status: answered ? t('helpdesk.managerCard.recordedNo') : '',
    showActions: !answered,
    labels: { yes: t('helpdesk.managerCard.yes'), no: t('helpdesk.managerCard.no') },
  };
}

function wasThisYouSample(lang: string, owner: boolean): CardData['wasThisYou'] {
  const t = (key: string, vars?: Record<string, string>) => localizer.t(lang, key, vars);
  const what = t('helpdesk.ownerNotice.what.replace-mobile');
  return {
    reference: 'HD-7K3M-Q9XD',
    title: t('helpdesk.ownerNotice.title'),
    text: owner ? t('helpdesk.ownerNotice.textOwner', { what }) : t('helpdesk.ownerNotice.textManager', { name: 'Adele Vance', what, reference: 'HD-7K3M-Q9XD' }),
    facts: [{ label: t('helpdesk.ownerNotice.reference'), value: 'HD-7K3M-Q9XD' }],
    status: '',
    statusColor: 'Default',
    showAction: owner,
    label: t('helpdesk.ownerNotice.notMe'),
  };
}

// A mapped type over CardName: adding a template without a sample does not compile.
type Samples = { [K in CardName]: CardData[K] };
const samples: Record<'en' | 'es', Samples> = {
  en: {
    step: stepSample('en', 'personal', 'open', 1),
    intakeSummary: summarySample('en'),
    helpdeskRequest: helpdeskSample('en', true),
    managerConfirmation: managerSample('en', false),
    wasThisYou: wasThisYouSample('en', true),
  },
  es: {
    step: stepSample('es', 'work', 'add', 2),
    intakeSummary: summarySample('es'),
    helpdeskRequest: helpdeskSample('es', false),
    managerConfirmation: managerSample('es', true),
    wasThisYou: wasThisYouSample('es', false),
  },
};

const render = <K extends CardName>(name: K, data: CardData[K]) => renderCard(name, data);

interface Parsed {
  card: ACTypes.AdaptiveCard;
  /** Problems met while parsing (unknown element types, bad values…). */
  parseEvents: unknown[];
  /** Problems found by validating the parsed card (missing required properties…). */
  validationEvents: unknown[];
}

function parse(content: object): Parsed {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(content, context);
  const parseEvents = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i));
  return { card, parseEvents, validationEvents: card.validateProperties().validationEvents };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function actionsOf(content: Record<string, unknown>): Record<string, Json>[] {
  return (content.actions ?? []) as Record<string, Json>[];
}

test('every template has a sample in each language', () => {
  expect([...cardNames].sort()).toEqual(Object.keys(samples.en).sort());
  expect(cardNames.length).toBeGreaterThan(0);
});

describe.each(['en', 'es'] as const)('rendering every template (%s)', (lang) => {
  describe.each(cardNames)('%s', (name) => {
    const attachment = render(name, samples[lang][name]);
    const content = attachment.content;
    const json = JSON.stringify(content);

    test('is an Adaptive Card attachment at version 1.5 without $schema', () => {
      expect(attachment.contentType).toBe(ADAPTIVE_CARD);
      expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(content.type).toBe('AdaptiveCard');
      expect(content.version).toBe('1.5');
      expect(content).not.toHaveProperty('$schema');
    });

    test('leaves no template syntax behind', () => {
      expect(json).not.toContain('${');
      expect(json).not.toContain('"$data"');
      expect(json).not.toContain('"$when"');
    });

    test('parses and validates with the adaptivecards library', () => {
      const { card, parseEvents, validationEvents } = parse(content);
      expect(parseEvents).toEqual([]);
      expect(validationEvents).toEqual([]);
      // Nothing was dropped on the way in.
      expect(card.getItemCount()).toBe((content.body as unknown[]).length);
      expect(card.getActionCount()).toBe(actionsOf(content).length);
      expect(card.version?.toString()).toBe('1.5');
    });

    test('every choice becomes an Action.Submit carrying data.choice', () => {
      const submits = actionsOf(content).filter((a) => a.type === 'Action.Submit');
      const sample = samples[lang][name];
      // The helpdesk card uses Universal Actions (Action.Execute) instead: Teams only.
      const choices = 'choices' in sample ? sample.choices : [];
      expect(submits).toEqual(choices.map((c) => ({ type: 'Action.Submit', title: c.title, data: { choice: c.value } })));
    });
  });
});

test('the validation check can fail: a card with a broken action is reported', () => {
  const broken = parse({
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'NoSuchElement' }],
    actions: [{ type: 'Action.OpenUrl', title: 'Open' }],
  });
  expect(broken.parseEvents.length).toBeGreaterThan(0);
  expect(broken.validationEvents.length).toBeGreaterThan(0);
});

describe('step card', () => {
  const base = samples.en.step;

  test('without a url has no Action.OpenUrl', () => {
    const content = render('step', { ...base, url: '' }).content;
    expect(actionsOf(content).map((a) => a.type)).toEqual(['Action.Submit', 'Action.Submit', 'Action.Submit']);
    expect(parse(content).validationEvents).toEqual([]);
  });

  test('with a url opens it first, labelled', () => {
    const content = render('step', { ...base, url: 'https://account.microsoft.com/security' }).content;
    const [open, ...rest] = actionsOf(content);
    expect(open).toEqual({ type: 'Action.OpenUrl', title: base.openLabel, url: 'https://account.microsoft.com/security' });
    expect(rest.map((a) => a.type)).toEqual(['Action.Submit', 'Action.Submit', 'Action.Submit']);
  });

  test('the real catalog step with a link renders it, the one without does not', () => {
    const withLink = render('step', stepSample('en', 'work', 'open', 1)).content;
    const withoutLink = render('step', stepSample('en', 'work', 'default', 3)).content;
    expect(actionsOf(withLink).filter((a) => a.type === 'Action.OpenUrl')).toHaveLength(1);
    expect(actionsOf(withoutLink).filter((a) => a.type === 'Action.OpenUrl')).toHaveLength(0);
  });

  test('shows progress, title and text, and speaks them', () => {
    const data = { ...base, progress: 'Step 2 of 4', title: 'Open the sign-in methods', text: 'Open **Manage how I sign in**.' };
    const content = render('step', data).content;
    const texts = (content.body as { text: string }[]).map((b) => b.text);
    expect(texts).toEqual(['Step 2 of 4', 'Open the sign-in methods', 'Open **Manage how I sign in**.']);
    expect(content.speak).toBe('Step 2 of 4. Open the sign-in methods. Open **Manage how I sign in**.');
  });

  test('keeps text with quotes, newlines and braces as given', () => {
    const text = 'Line "one"\n- it\'s {fine} \\ really';
    const content = render('step', { ...base, text }).content;
    expect((content.body as { text: string }[])[2]!.text).toBe(text);
  });
});

describe('intake summary card', () => {
  test('lists every fact in order', () => {
    const data = samples.en.intakeSummary;
    const content = render('intakeSummary', data).content;
    const factSet = (content.body as { type: string; facts?: unknown }[]).find((b) => b.type === 'FactSet');
    expect(factSet?.facts).toEqual(data.facts.map((f) => ({ title: f.label, value: f.value })));
  });

  test('does not leak the full phone number', () => {
    const json = JSON.stringify(render('intakeSummary', samples.en.intakeSummary).content);
    expect(json).not.toMatch(/\d{7,}/);
  });

  test('a rendered card is shared and frozen: no caller can change what the next one gets', () => {
    const first = render('intakeSummary', samples.en.intakeSummary).content as { body: { text?: string }[] };
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.body[0])).toBe(true);
    expect(() => {
      first.body[0]!.text = 'changed';
    }).toThrow(TypeError);
    expect(render('intakeSummary', samples.en.intakeSummary).content).toBe(first);
  });

  test('renders twice the same way: templates are not mutated by rendering', () => {
    const first = JSON.stringify(render('intakeSummary', samples.es.intakeSummary).content);
    render('intakeSummary', { ...samples.es.intakeSummary, facts: [], choices: [] });
    expect(JSON.stringify(render('intakeSummary', samples.es.intakeSummary).content)).toBe(first);
  });
});

describe('the helpdesk request card', () => {
  test('pending, for an approver: Universal Actions for every action, deny needs a reason, refresh for approvers', () => {
    const card = renderCard('helpdeskRequest', helpdeskSample('en', true)).content as {
      refresh?: { action: { type: string; verb: string }; userIds: string[] };
      actions: { type: string; verb?: string; card?: { body: { type: string; isRequired?: boolean }[]; actions: { verb: string }[] } }[];
    };
    expect(card.actions.filter((a) => a.type === 'Action.Execute').map((a) => a.verb)).toEqual(['replaceMobile', 'issueTap', 'requireReRegistration']);
    const deny = card.actions.find((a) => a.type === 'Action.ShowCard')!;
    expect(deny.card!.body[0]).toMatchObject({ type: 'Input.Text', isRequired: true });
    expect(deny.card!.actions[0]!.verb).toBe('deny');
    expect(card.refresh).toMatchObject({ action: { type: 'Action.Execute', verb: 'refresh' }, userIds: ['40614aca-a9c8-4628-9699-d36ea2979204'] });
  });

  test('closed: no approve buttons, no refresh property at all (not null), and nothing unrendered', () => {
    const card = renderCard('helpdeskRequest', helpdeskSample('es', false)).content;
    expect(card).not.toHaveProperty('refresh');
    expect(JSON.stringify(card)).not.toContain('replaceMobile');
    expect(JSON.stringify(card)).toContain('&lt;possible&gt;');
  });
});
