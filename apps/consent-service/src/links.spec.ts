import { status } from '@grpc/grpc-js';
import { ERROR_DOMAIN, readStatus } from '@signalpath/grpc-kit';
import { common, consent } from '@signalpath/proto';
import { asActor, startConsent, statusOf, type ConsentUnderTest } from './testing/harness';

const { SURFACE_MESSENGER: MESSENGER, SURFACE_INSTAGRAM: INSTAGRAM, SURFACE_WHATSAPP: WHATSAPP } = common.Surface;

describe('ConsentService Accounts Center links (real database)', () => {
  let consentUnderTest: ConsentUnderTest;
  let client: ConsentUnderTest['client'];

  beforeAll(async () => {
    consentUnderTest = await startConsent();
    client = consentUnderTest.client;
  });
  afterAll(() => consentUnderTest.stop());

  const link = (userId: string, surface: common.Surface, accountId: string, actor = 'accounts-center') => client.linkAccount({ userId, surface, accountId }, asActor(actor));
  const unlink = (userId: string, surface: common.Surface, actor = 'accounts-center') => client.unlinkAccount({ userId, surface }, asActor(actor));

  it('links accounts with their link time, one per surface, in the settings', async () => {
    const before = Date.now();
    const first = await link('alice', MESSENGER, 'm-alice');
    expect(first.settings).toMatchObject({ version: '1', linkedAccounts: [{ surface: MESSENGER, accountId: 'm-alice' }] });
    const linkTime = first.settings!.linkedAccounts[0].linkTime!.getTime();
    expect(linkTime).toBeGreaterThanOrEqual(before - 1000);
    expect(linkTime).toBeLessThanOrEqual(Date.now() + 1000);
    const second = await link('alice', INSTAGRAM, 'ig-alice');
    expect(second.settings?.version).toBe('2');
    expect(second.settings?.linkedAccounts.map((l) => [l.surface, l.accountId])).toEqual([
      [INSTAGRAM, 'ig-alice'],
      [MESSENGER, 'm-alice'],
    ]);
    expect((await client.getSettings({ userId: 'alice' })).settings?.linkedAccounts).toEqual(second.settings?.linkedAccounts);
  });

  it('linking the same account again is a no-op that keeps version and link time', async () => {
    const before = (await client.getSettings({ userId: 'alice' })).settings!;
    const again = await link('alice', MESSENGER, 'm-alice');
    expect(again.settings).toEqual(before);
  });

  it('FAILED_PRECONDITION when the user has another account on that surface', async () => {
    expect(await statusOf(link('alice', MESSENGER, 'm-other'))).toMatchObject({ code: status.FAILED_PRECONDITION });
    // Which precondition, machine-readable (google.rpc.ErrorInfo), naming the surface and no account.
    const refused = await link('alice', MESSENGER, 'm-other').catch((error: unknown) => readStatus(error));
    expect(refused).toMatchObject({ details: { errorInfo: { reason: 'SURFACE_ALREADY_LINKED', domain: ERROR_DOMAIN, metadata: { surface: 'SURFACE_MESSENGER' } } } });
    // The refused account stays free for others.
    await expect(link('carol', MESSENGER, 'm-other')).resolves.toBeDefined();
  });

  it('ALREADY_EXISTS when the account is linked to another user', async () => {
    expect(await statusOf(link('bob', MESSENGER, 'm-alice'))).toMatchObject({ code: status.ALREADY_EXISTS });
    expect((await client.getSettings({ userId: 'bob' })).settings?.linkedAccounts).toEqual([]);
  });

  it('the same account id on different surfaces are different accounts', async () => {
    await expect(link('bob', WHATSAPP, 'm-alice')).resolves.toBeDefined();
  });

  it('of many users racing for one account exactly one gets it', async () => {
    const users = Array.from({ length: 10 }, (_, i) => `racer-${i}`);
    const results = await Promise.allSettled(users.map((user) => link(user, INSTAGRAM, 'ig-contested')));
    const winners = users.filter((_, i) => results[i].status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason.code).toBe(status.ALREADY_EXISTS);
    const owners = [];
    for (const user of users) {
      const settings = (await client.getSettings({ userId: user })).settings!;
      if (settings.linkedAccounts.some((l) => l.accountId === 'ig-contested')) owners.push(user);
    }
    expect(owners).toEqual(winners);
    expect(await consentUnderTest.service.mongo.db.collection('linked_accounts').countDocuments({ account_id: 'ig-contested' })).toBe(1);
  });

  it('of one user linking different accounts on one surface concurrently exactly one is linked', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => link('dave', WHATSAPP, `wa-dave-${i}`)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect([status.FAILED_PRECONDITION, status.ABORTED]).toContain(result.reason.code);
    const linked = (await client.getSettings({ userId: 'dave' })).settings!.linkedAccounts;
    expect(linked).toHaveLength(1);
    // Losers released their claims: only the linked account is registered to dave.
    const claims = await consentUnderTest.service.mongo.db.collection('linked_accounts').find({ user_id: 'dave' }).toArray();
    expect(claims.map((c) => c.account_id)).toEqual([linked[0].accountId]);
  });

  it('unlinks, frees the account for others, and unlinking again is a no-op without a new version', async () => {
    const { settings } = await unlink('alice', MESSENGER);
    expect(settings?.linkedAccounts.map((l) => l.surface)).toEqual([INSTAGRAM]);
    const version = settings!.version;
    const again = await unlink('alice', MESSENGER);
    expect(again.settings?.version).toBe(version);
    await expect(link('bob', MESSENGER, 'm-alice')).resolves.toMatchObject({ settings: { linkedAccounts: [{ surface: MESSENGER, accountId: 'm-alice' }, { surface: WHATSAPP }] } });
  });

  it('records links and unlinks in the history with the actor', async () => {
    const { changes } = await client.listSettingsHistory({ userId: 'alice', pageSize: 0, pageToken: '' });
    expect(changes.map((c) => [c.version, c.actor, c.fieldChanges.map((f) => f.fieldPath)])).toEqual([
      ['3', 'accounts-center', ['linked_accounts']],
      ['2', 'accounts-center', ['linked_accounts']],
      ['1', 'accounts-center', ['linked_accounts']],
    ]);
    const unlinkChange = changes[0].fieldChanges[0];
    expect(JSON.parse(unlinkChange.oldValueJson).map((l: { surface: string; accountId: string }) => [l.surface, l.accountId])).toEqual([
      ['SURFACE_INSTAGRAM', 'ig-alice'],
      ['SURFACE_MESSENGER', 'm-alice'],
    ]);
    expect(JSON.parse(unlinkChange.newValueJson)).toEqual([expect.objectContaining({ surface: 'SURFACE_INSTAGRAM', accountId: 'ig-alice', linkTime: expect.any(String) })]);
    expect(JSON.parse(changes[2].fieldChanges[0].oldValueJson)).toEqual([]);
  });

  it('recovers an account claimed by a writer that crashed before linking it', async () => {
    const db = consentUnderTest.service.mongo.db;
    await db.collection('linked_accounts').insertOne({ _id: 'FACEBOOK:fb-orphan' as never, surface: 'FACEBOOK', account_id: 'fb-orphan', user_id: 'ghost', link_time: new Date(Date.now() - 60_000) });
    await expect(link('erin', common.Surface.SURFACE_FACEBOOK, 'fb-orphan')).resolves.toMatchObject({ settings: { linkedAccounts: [{ accountId: 'fb-orphan' }] } });
    // A fresh claim is respected: its writer may still be linking it.
    await db.collection('linked_accounts').insertOne({ _id: 'FACEBOOK:fb-fresh' as never, surface: 'FACEBOOK', account_id: 'fb-fresh', user_id: 'ghost', link_time: new Date() });
    expect(await statusOf(link('frank', common.Surface.SURFACE_FACEBOOK, 'fb-fresh'))).toMatchObject({ code: status.ALREADY_EXISTS });
  });

  describe('bad input → INVALID_ARGUMENT naming the field', () => {
    it.each([
      ['user_id', () => client.linkAccount({ userId: '', surface: MESSENGER, accountId: 'x' })],
      ['account_id', () => client.linkAccount({ userId: 'u', surface: MESSENGER, accountId: '' })],
      ['surface', () => client.linkAccount({ userId: 'u', surface: common.Surface.SURFACE_UNSPECIFIED, accountId: 'x' })],
      ['surface', () => client.linkAccount({ userId: 'u', surface: 42 as common.Surface, accountId: 'x' })],
      ['user_id', () => client.unlinkAccount({ userId: '', surface: MESSENGER })],
      ['surface', () => client.unlinkAccount({ userId: 'u', surface: common.Surface.SURFACE_UNSPECIFIED })],
    ] as [string, () => Promise<unknown>][])('%s', async (field, call) => {
      const result = await statusOf(call());
      expect(result.code).toBe(status.INVALID_ARGUMENT);
      expect(result.details.startsWith(`${field}:`)).toBe(true);
    });
  });

  it('linked accounts are output only in UpdateSettings', async () => {
    const result = await statusOf(client.updateSettings({ userId: 'alice', expectedVersion: '3', settings: consent.Settings.fromPartial({}), updateMask: ['linked_accounts'] }));
    expect(result.code).toBe(status.INVALID_ARGUMENT);
  });
});
