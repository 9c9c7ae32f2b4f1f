import { consent } from '@signalpath/proto';
import type { ConsentClient } from './clients';
import { SettingsLookup } from './settings-lookup';
import { SingleFlight } from './single-flight';

function gatedConsent() {
  const calls: Array<{ userId: string; options: unknown; answer: (version: string) => void; fail: (error: Error) => void }> = [];
  const client = {
    getSettings: (request: { userId: string }, options: unknown) =>
      new Promise((resolve, reject) => {
        calls.push({ userId: request.userId, options, answer: (version) => resolve({ settings: consent.Settings.fromPartial({ userId: request.userId, version }) }), fail: reject });
      }),
  } as unknown as ConsentClient;
  return { client, calls };
}

describe('SettingsLookup', () => {
  it('shares one GetSettings among identical lookups in flight, per user', async () => {
    const { client, calls } = gatedConsent();
    const lookup = new SettingsLookup(client);
    const a = Array.from({ length: 100 }, () => lookup.get('u1'));
    const b = lookup.get('u2');
    expect(calls.map((c) => c.userId)).toEqual(['u1', 'u2']);
    expect(lookup.inFlight).toBe(2);
    calls[0].answer('4');
    calls[1].answer('9');
    expect(new Set((await Promise.all(a)).map((r) => r.settings?.version))).toEqual(new Set(['4']));
    expect((await b).settings?.version).toBe('9');
    expect(lookup.inFlight).toBe(0);
  });

  it('caches nothing: a lookup after the last one answered asks again (an unlink applies on the next read)', async () => {
    const { client, calls } = gatedConsent();
    const lookup = new SettingsLookup(client);
    const first = lookup.get('u1');
    calls[0].answer('1');
    await first;
    const second = lookup.get('u1');
    expect(calls).toHaveLength(2);
    calls[1].answer('2');
    expect((await second).settings?.version).toBe('2');
  });

  it('gives the shared call the parent deadline without its cancellation, and forgets a failure', async () => {
    const { client, calls } = gatedConsent();
    const lookup = new SettingsLookup(client);
    const parent = { getDeadline: () => Infinity } as never;
    const failed = [lookup.get('u1', parent), lookup.get('u1')];
    expect(calls[0].options).toEqual({ parent, detachCancellation: true });
    calls[0].fail(new Error('UNAVAILABLE'));
    for (const f of failed) await expect(f).rejects.toThrow('UNAVAILABLE');
    const next = lookup.get('u1');
    expect(calls).toHaveLength(2);
    calls[1].answer('3');
    expect((await next).settings?.version).toBe('3');
  });
});

describe('SingleFlight', () => {
  it('runs a lookup once per key while it is in flight', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release!: (n: number) => void;
    const lookup = () => {
      runs++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const joined = [flight.run('k', lookup), flight.run('k', lookup)];
    expect(runs).toBe(1);
    release(7);
    expect(await Promise.all(joined)).toEqual([7, 7]);
    expect(flight.size).toBe(0);
    const later = flight.run('k', lookup);
    expect(runs).toBe(2);
    release(8);
    expect(await later).toBe(8);
  });
});
