/** "status" and "cancel my request": answered from the requester's own conversation, at any step. */
import { Conversation } from './harness';

async function fileRequest(c: Conversation): Promise<void> {
  for (const text of ['hi', 'work', 'old phone gone', 'no', 'pat@contoso.com', 'skip', '+44 7400 123456']) await c.say(text);
  await c.press('intake.fix.replace-mobile');
  await c.press('choices.send');
  expect(c.said('intake.recorded')).toBe(true);
}

test.each(['msteams', 'webchat'] as const)('%s: status with nothing filed says so, and the question is asked again', async (channel) => {
  const c = new Conversation(channel);
  await c.say('hi');
  await c.say('status');
  expect(c.said('requests.none')).toBe(true);
  expect(c.said(channel === 'msteams' ? 'account.teamsConfirm' : 'account.ask')).toBe(true);
});

test('status and cancel my request after filing; cancelling twice does not pretend', async () => {
  const c = new Conversation('webchat');
  await fileRequest(c);
  await c.say('what is the status of my request?');
  expect(c.said('requests.status.pending')).toBe(true);
  expect(c.transcript()).toContain('HD-TEST-0001');
  await c.say('cancel my request');
  expect(c.said('requests.cancelled')).toBe(true);
  await c.say('cancel my request');
  expect(c.said('requests.status.cancelled')).toBe(true);
  expect(c.said('requests.cancelled')).toBe(false);
});

test('"status" as the first message answers without starting the questions', async () => {
  const c = new Conversation('webchat');
  await fileRequest(c);
  await c.say('status');
  expect(c.said('requests.status.pending')).toBe(true);
  expect(c.said('account.ask')).toBe(false);
});

test('Spanish: estado and cancelar mi solicitud', async () => {
  const c = new Conversation('webchat', 'es-ES');
  for (const text of ['hola', 'trabajo', 'ya no tengo el antiguo', 'no', 'ana@contoso.es', 'omitir', '612 34 56 78']) await c.say(text);
  await c.press('intake.fix.replace-mobile');
  await c.say('enviar');
  await c.say('estado');
  expect(c.said('requests.status.pending')).toBe(true);
  await c.say('cancelar mi solicitud');
  expect(c.said('requests.cancelled')).toBe(true);
});
