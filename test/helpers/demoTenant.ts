/**
 * The demo tenant's people (sandbox/demo-tenant.json, described in sandbox/README.md) as the
 * tests use them, and the web-chat escalation they file. One place, so a change to the seed is
 * one change here.
 */
import { readable, type ActivityJson } from './botServer';

export const ADELE = 'cd4fd39b-6bec-4cfd-b123-003ac4aab3fa'; // only the old mobile
export const ALEX = '9480522c-6ff4-4afa-ab69-cff57a0e3c83'; // Authenticator + mobile + alternate; no role
export const LEE = '40614aca-a9c8-4628-9699-d36ea2979204'; // Authentication Administrator
export const PATTI = '6aab918f-11c8-48e0-9b4b-31a6de01d763'; // Privileged Authentication Administrator
export const ISAIAH = 'c5ab1e4c-dabf-4f7c-923c-9386a627cd04'; // helpdesk group, no role
export const MEGAN = 'dcc62ea4-abbf-4fc1-824c-29778aee7c2e'; // Global Administrator

/** The demo tenant's helpdesk group (HELPDESK_GROUP_ID): Isaiah is in it. */
export const HELPDESK_GROUP = '19640382-9562-46f4-b751-a763f56a1c48';

/** The helpdesk channel settings for a bot whose channel is on a loopback connector. */
export const helpdeskChannel = (conversationId: string, serviceUrl: string): Record<string, string> => ({
  HELPDESK_CONVERSATION_ID: conversationId,
  HELPDESK_SERVICE_URL: serviceUrl,
});

/** What every helpdesk suite's bot runs with: no expiry sweep, short Graph retries, the demo helpdesk group. */
export const HELPDESK_SUITE_ENV: Readonly<Record<string, string>> = {
  EXPIRY_SWEEP_SECONDS: '0',
  GRAPH_MAX_RETRY_SECONDS: '3',
  HELPDESK_GROUP_ID: HELPDESK_GROUP,
};

/** The number people ask for in the tests. */
export const NEW_NUMBER = '+44 7400 123456';

/**
 * A web-chat visitor's whole escalation for a work account, each answer sent through `say`
 * (one conversation, or one spread over instances); returns the request's reference.
 */
export async function fileWebRequest(
  say: (text: string) => Promise<ActivityJson[]>,
  address: string,
  fix = 'Register my new number',
): Promise<string> {
  for (const text of ['hi', 'work', 'old phone gone', 'no', address, 'skip', NEW_NUMBER, fix]) await say(text);
  const sent = readable(await say('Send it'));
  expect(sent).toContain('sent your request to the helpdesk');
  return /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(sent)![0];
}
