/**
 * Recognises what a person typed where a button was offered. Each function takes the synonym
 * lists of the conversation's language (from the locale catalog), so the rules are the same in
 * every language and the words live with the translations.
 */
import type { AccountKind, ProblemCase } from './ports';

/** Lower case, accents and punctuation gone, spaces folded: "¿Sí!" and "si" compare equal. */
export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    // Recomposed, so marks that are part of a letter elsewhere (Japanese dakuten: か + ゙ = が)
    // are not taken for punctuation below.
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}@.\s]/gu, ' ')
    // A dot survives only inside a word ("outlook.com"), so "ok..." still reads as "ok".
    .replace(/(?<![\p{L}\p{N}])\.|\.(?![\p{L}\p{N}])/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when `phrase` occurs in `text` as whole words. Both must already be normalised. */
function containsPhrase(text: string, phrase: string): boolean {
  return ` ${text} `.includes(` ${phrase} `);
}

/**
 * Synonym lists come from the locale catalogs and never change, yet every turn compared the
 * person's text with all of them (the interruption words at every step), normalising each word
 * again. A list's normalised form is kept with the list itself, so callers must not change a
 * list after passing it (catalog lists are never changed).
 */
const normalizedLists = new WeakMap<readonly string[], readonly string[]>();

function normalizedList(list: readonly string[]): readonly string[] {
  let normalized = normalizedLists.get(list);
  if (!normalized) {
    normalized = list.map(normalize).filter((w) => w !== '');
    normalizedLists.set(list, normalized);
  }
  return normalized;
}

/** Fillers are removed longest first, so "i want to" goes before "i". */
const fillerLists = new WeakMap<readonly string[], readonly string[]>();

function fillersOf(list: readonly string[]): readonly string[] {
  let fillers = fillerLists.get(list);
  if (!fillers) {
    fillers = [...normalizedList(list)].sort((a, b) => b.length - a.length);
    fillerLists.set(list, fillers);
  }
  return fillers;
}

/** True when one of the (normalised) words is the whole text or stands in it as whole words. */
function namesAny(said: string, list: readonly string[]): boolean {
  return normalizedList(list).some((n) => said === n || containsPhrase(said, n));
}

/**
 * Matches a short answer against synonyms. A one-word synonym must be the whole answer (give or
 * take filler words), because "cancel" inside "how do I cancel my old number" is not a command;
 * a phrase of several words ("talk to a person") may stand inside a longer message.
 */
export function matchesAny(text: string, synonyms: readonly string[], filler: readonly string[] = []): boolean {
  return matchesNormalized(normalize(text), synonyms, filler);
}

function matchesNormalized(said: string, synonyms: readonly string[], filler: readonly string[]): boolean {
  if (!said) return false;
  // Fillers are removed as whole-word phrases, so "i want to" and "por favor" count too.
  let padded = ` ${said} `;
  for (const f of fillersOf(filler)) while (padded.includes(` ${f} `)) padded = padded.replace(` ${f} `, ' ');
  const core = padded.trim();
  return normalizedList(synonyms).some((syn) => core === syn || said === syn || (syn.includes(' ') && containsPhrase(said, syn)));
}

export type Interruption = 'help' | 'cancel' | 'startOver' | 'human' | 'status' | 'cancelRequest';

export type InterruptionWords = Readonly<Record<Interruption, readonly string[]>> & { filler: readonly string[] };

export function recognizeInterruption(text: string, words: InterruptionWords): Interruption | undefined {
  // Order matters where phrases overlap: "cancel and start over" means start over, and
  // "cancel my request" withdraws the helpdesk request rather than ending the chat.
  const said = normalize(text);
  return INTERRUPTION_ORDER.find((kind) => matchesNormalized(said, words[kind], words.filler));
}

const INTERRUPTION_ORDER: readonly Interruption[] = ['human', 'startOver', 'cancelRequest', 'cancel', 'status', 'help'];

// Consumer mail domains. A work or school account never lives on them, so an address there is a
// strong hint (never proof) of a personal Microsoft account. Microsoft's own come first.
// The suffix is a public one (com, es, co.uk, com.br), never an organisation's own subdomain such
// as live.<university>.ac.uk, where UK universities host students' Microsoft 365 accounts.
const MICROSOFT_CONSUMER = /^(outlook|hotmail|live|msn|passport|windowslive)\.[a-z]{2,3}(?:\.[a-z]{2})?$/;
const OTHER_CONSUMER = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'ymail.com', 'icloud.com', 'me.com', 'mac.com',
  'aol.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com',
  'mail.com', 'yandex.com', 'yandex.ru', 'zoho.com', 'qq.com', '163.com', 'orange.fr',
  'free.fr', 'laposte.net', 'libero.it', 'btinternet.com', 'comcast.net', 'terra.com.br',
  'telefonica.net', 'movistar.es', 'yahoo.es', 'yahoo.co.uk', 'yahoo.fr',
]);

const EMAIL = /[\p{L}\p{N}._%+'-]+@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)/u;

/** The domain of the first e-mail address in the text, lower case. */
export function emailDomain(text: string): string | undefined {
  return EMAIL.exec(text)?.[1]?.toLowerCase();
}

export function isConsumerDomain(domain: string): boolean {
  return MICROSOFT_CONSUMER.test(domain) || OTHER_CONSUMER.has(domain);
}

export type AccountAnswer = AccountKind | 'unsure';

export interface AccountWords {
  personal: readonly string[];
  work: readonly string[];
  unsure: readonly string[];
}

/**
 * Reads an answer to "personal or work/school?". A typed address decides by its domain; words
 * count when they are the answer or stand in it as whole words ("it's my work one").
 */
export function recognizeAccountAnswer(text: string, words: AccountWords): { kind: AccountAnswer; byDomain?: string } | undefined {
  const domain = emailDomain(text);
  if (domain) return { kind: isConsumerDomain(domain) ? 'personal' : 'work', byDomain: domain };
  const said = normalize(text);
  if (!said) return undefined;
  const unsure = namesAny(said, words.unsure);
  const personal = namesAny(said, words.personal);
  const work = namesAny(said, words.work);
  if (unsure || (personal && work)) return { kind: 'unsure' };
  if (personal) return { kind: 'personal' };
  if (work) return { kind: 'work' };
  return undefined;
}

export type ProblemWords = Readonly<Record<ProblemCase, readonly string[]>>;

/**
 * Reads a typed answer to "what changed?". One message often names several things ("new phone,
 * it was stolen", "new number but the old phone broke"), so the cases are tried from the one
 * that changes the advice most to the least: lost or stolen, then Authenticator, then the old
 * phone gone, then a new number, then the same number on a new phone.
 */
export function recognizeProblem(text: string, words: ProblemWords): ProblemCase | undefined {
  const said = normalize(text);
  if (!said) return undefined;
  return PROBLEM_ORDER.find((kind) => namesAny(said, words[kind]));
}

const PROBLEM_ORDER: readonly ProblemCase[] = ['lost-or-stolen', 'authenticator-restored', 'old-phone-gone', 'new-number-old-phone', 'same-number'];

/** "I changed my phone and get no codes": words that show the first message is the problem itself. */
export function describesTheProblem(text: string, problemWords: readonly string[]): boolean {
  const said = normalize(text);
  return normalizedList(problemWords).some((w) => containsPhrase(said, w));
}

// A sign-in address as Entra accepts it: one @, dot-separated atoms before it (no leading,
// trailing or doubled dots), DNS labels after it, and nothing that could be markup.
const LOCAL_ATOM = "[A-Za-z0-9_%+'-]+";
const DNS_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const SIGN_IN_ADDRESS = new RegExp(`^${LOCAL_ATOM}(?:\\.${LOCAL_ATOM})*@${DNS_LABEL}(?:\\.${DNS_LABEL})+$`);

export function isSignInAddress(text: string): boolean {
  const t = text.trim();
  const local = t.split('@')[0] ?? '';
  return t.length <= 254 && local.length <= 64 && SIGN_IN_ADDRESS.test(t);
}
