/** The fake directory answers the evidence calls as the Graph adapter does, so policy tests can rely on it. */
import { DirectoryError, isSignedInToTeams, type UserProfile } from '../../src/core/directory';
import { FakeDirectory } from './directory';

const profile = (id: string, name: string): UserProfile => ({ id, userPrincipalName: `${id}@contoso.example`, displayName: name, businessPhones: [] });

test('manager: the manager as a DirectoryUser, undefined when there is none', async () => {
  const directory = new FakeDirectory().withProfile(profile('adele', 'Adele')).withProfile(profile('johanna', 'Johanna')).withManager('adele', 'johanna');
  expect(await directory.manager('adele')).toEqual({ id: 'johanna', userPrincipalName: 'johanna@contoso.example', displayName: 'Johanna' });
  expect(await directory.manager('johanna')).toBeUndefined();
  expect(directory.lookups).toEqual(['manager:adele', 'manager:johanna']);
});

test('profile: a copy, or not_found', async () => {
  const directory = new FakeDirectory().withProfile({ ...profile('adele', 'Adele'), businessPhones: [{ source: 'business', number: '+44 20 7946 0101', masked: '+44 ••••••••01' }] });
  const got = await directory.profile('adele');
  got.businessPhones.length = 0;
  expect((await directory.profile('adele')).businessPhones).toHaveLength(1);
  await expect(directory.profile('nobody')).rejects.toMatchObject({ code: 'not_found' });
});

test('presence: as set, undefined when unknown or when the directory is failing (never an error)', async () => {
  const directory = new FakeDirectory().withPresence('alex', { availability: 'Available', activity: 'Available' });
  expect(isSignedInToTeams(await directory.presence('alex'))).toBe(true);
  expect(await directory.presence('adele')).toBeUndefined();
  directory.failWith = new DirectoryError('unavailable', 'down');
  expect(await directory.presence('alex')).toBeUndefined();
});

test('revokeSessions: recorded, or the configured failure', async () => {
  const directory = new FakeDirectory();
  expect(await directory.revokeSessions('adele')).toMatchObject({ revoked: true });
  expect(directory.revocations).toEqual(['adele']);
  directory.failWith = new DirectoryError('not_allowed', 'no permission');
  await expect(directory.revokeSessions('adele')).rejects.toMatchObject({ code: 'not_allowed' });
  expect(directory.revocations).toEqual(['adele']);
});
