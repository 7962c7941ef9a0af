import type { TurnContext } from 'botbuilder';
import { mayShowOwnMethods } from '../src/core/disclosure';
import type { MethodKind, MethodSummary } from '../src/core/directory';
import { identityAssurance, teamsObjectId } from './identity';
import type { DialogServices } from './services';
import type { Voice } from './voice';

/**
 * The person's own sign-in methods, when the bot may know them: in Teams, for the signed-in user,
 * under the disclosure rule. Anything else (web chat, a failed lookup) gives undefined and the
 * conversation asks instead; a directory outage must never stop the self-service path.
 */
export async function ownMethods(context: TurnContext, services: DialogServices): Promise<MethodSummary | undefined> {
  const objectId = teamsObjectId(context);
  if (!objectId) return undefined;
  if (!mayShowOwnMethods(identityAssurance(context, services.tenantId), services.directoryMode)) return undefined;
  try {
    return await services.directory.methods(objectId);
  } catch (error) {
    services.log.warn({ err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'could not read own sign-in methods');
    return undefined;
  }
}

/**
 * One line per registered method, numbers masked; the kinds that are not second factors are left
 * out. An Authenticator or passkey shows its device name where the directory gives one ("iPhone
 * 13"), so the person can tell which phone the registration lives on.
 */
export function describeMethods(voice: Voice, context: TurnContext, summary: MethodSummary): string {
  const lines = summary.phones.map((p) => voice.t(context, `methods.${p.type}`, { masked: p.masked }, ['masked']));
  for (const kind of new Set(summary.otherSecondFactors)) {
    const method = voice.t(context, `methods.${kind}`);
    const devices = summary.methods.filter((m) => m.kind === kind && m.secondFactor && m.label).map((m) => m.label!);
    if (devices.length === 0) lines.push(method);
    for (const device of devices) lines.push(voice.t(context, 'diagnosis.withDevice', { method, device }, ['method']));
  }
  return lines.map((line) => `- ${line}`).join('\n');
}

/** The kinds "which of these can you still use?" offers: what can sign in today, phones only while codes arrive. */
export type UsableKind = 'phone' | Exclude<MethodKind, 'phone' | 'email' | 'password' | 'other'>;

export function usableKinds(summary: MethodSummary, phoneWorks: boolean): UsableKind[] {
  const kinds: UsableKind[] = phoneWorks && summary.phones.length > 0 ? ['phone'] : [];
  for (const kind of new Set(summary.otherSecondFactors)) {
    if (kind !== 'phone' && kind !== 'email' && kind !== 'password' && kind !== 'other') kinds.push(kind);
  }
  return kinds;
}
