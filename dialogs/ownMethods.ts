import type { TurnContext } from 'botbuilder';
import { mayShowOwnMethods } from '../src/core/disclosure';
import type { MethodSummary } from '../src/core/directory';
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

/** One line per registered method, numbers masked; the kinds that are not second factors are left out. */
export function describeMethods(voice: Voice, context: TurnContext, summary: MethodSummary): string {
  const lines = summary.phones.map((p) => voice.t(context, `methods.${p.type}`, { masked: p.masked }, ['masked']));
  for (const kind of new Set(summary.otherSecondFactors)) lines.push(voice.t(context, `methods.${kind}`));
  return lines.map((line) => `- ${line}`).join('\n');
}
