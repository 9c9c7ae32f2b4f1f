import { createHash, createHmac } from 'node:crypto';
import { common, consent, signal } from '@signalpath/proto';

import { DEV_HASH_SECRET } from './config';
import { KeyedHasher, textDigest } from './domain/keyed-hash';
import { interaction, settled, startSignalHarness, type SignalHarness } from './testing/harness';

const { IngestStatus, SkipReason } = signal;

/**
 * DESIGN.md invariant 10, attacked (issue 12 §3): an attacker who has the database AND the hash
 * secret guesses the text of a skipped or suppressed message and tries to confirm the guess
 * against what is stored. They know the true text (the best possible guess), the user and surface,
 * and the time to within a few seconds. Every keyed hash or plain hash they could compute over it
 * is compared with every stored value: none may match, so no guess can ever be confirmed.
 */
const MESSAGES = {
  refused: 'I keep thinking about leaving my husband and moving in with Daniela in Lisbon',
  sensitiveOnly: 'I was diagnosed with diabetes last month and my insulin doses keep changing',
  mixed: 'I pray at the mosque every Friday and I also want new climbing shoes',
  religious: 'Should I convert to Catholicism before the wedding in Krakow',
} as const;
type Key = keyof typeof MESSAGES;

/** Every string leaf of a document (keys included), as stored. */
function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Date) out.push(value.toISOString(), String(value.getTime()));
  else if (Array.isArray(value)) for (const item of value) leaves(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      leaves(item, out);
    }
  }
  return out;
}

/** Every hash of `parts` a guesser could try: HMAC with each label the code uses (or none), plain digests, each encoding. */
function candidateHashes(secret: string, partsList: string[][]): Set<string> {
  const labels = ['', 'fingerprint/interaction', 'fingerprint/activity', 'ledger/interaction', 'ledger/activity', 'signal', 'e2e'];
  const out = new Set<string>();
  const add = (digest: Buffer) => {
    for (const encoding of ['base64url', 'base64', 'hex'] as const) {
      out.add(digest.toString(encoding));
      out.add(digest.subarray(0, 18).toString(encoding)); // truncated, as signal ids are
    }
  };
  for (const parts of partsList) {
    for (const label of labels) {
      // The project's length-prefixed framing, and plain concatenation.
      const framed = createHmac('sha256', secret).update(label);
      for (const part of parts) framed.update(`\u0000${Buffer.byteLength(part, 'utf8')}:`).update(part);
      add(framed.digest());
      add(createHmac('sha256', secret).update(label + parts.join('')).digest());
    }
    for (const algorithm of ['sha256', 'sha1', 'md5', 'sha512']) add(createHash(algorithm).update(parts.join('')).digest());
  }
  return out;
}

describe('no stored field of a skipped or suppressed message can confirm a guess of its text', () => {
  let h: SignalHarness;
  const requests = new Map<Key, signal.Interaction>();
  const results = new Map<Key, signal.IngestInteractionResponse>();

  beforeAll(async () => {
    h = await startSignalHarness({
      decide: (q) =>
        q.userId === 'guess-refused'
          ? { allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT }
          : { allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED },
    });
    for (const key of Object.keys(MESSAGES) as Key[]) {
      const request = interaction({ userId: `guess-${key}`, text: MESSAGES[key] });
      requests.set(key, request);
      results.set(key, await h.client.ingestInteraction({ interaction: request }));
      // A retry goes through the DUPLICATE path, which compares content.
      await h.client.ingestInteraction({ interaction: request });
    }
    await settled(h);
  });
  afterAll(async () => h.stop());

  it('covers skipped, suppressed-only and mixed messages', () => {
    expect(results.get('refused')).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_OPTED_OUT });
    expect(results.get('sensitiveOnly')).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_NO_TOPICS });
    expect(results.get('sensitiveOnly')?.suppressed.length).toBeGreaterThan(0);
    expect(results.get('mixed')).toMatchObject({ status: IngestStatus.INGEST_STATUS_ACCEPTED });
    expect(results.get('mixed')?.suppressed.map((s) => s.sensitiveClass)).toContain(common.SensitiveClass.SENSITIVE_CLASS_RELIGION);
    expect(results.get('religious')?.signals.every((s) => !s.adsEligible)).toBe(true);
  });

  it('with the secret known, no stored value equals any hash of the true text over candidate times', async () => {
    const secret = DEV_HASH_SECRET; // the service runs with it here: the attacker has it
    const hasher = new KeyedHasher(secret);
    const stored = new Set<string>();
    const db = h.service.mongo.db;
    for (const { name } of await db.listCollections().toArray()) for (const doc of await db.collection(name).find({}).toArray()) for (const leaf of leaves(doc)) stored.add(leaf);
    expect(stored.size).toBeGreaterThan(10);

    for (const key of Object.keys(MESSAGES) as Key[]) {
      const request = requests.get(key) as signal.Interaction;
      const text = MESSAGES[key];
      const eventMs = (request.eventTime as Date).getTime();
      const partsList: string[][] = [[text], [textDigest(text)], [text.toLowerCase()]];
      // Candidate times: the true event time, and every second around it (±5 s), in ms and ISO.
      for (let offset = -5_000; offset <= 5_000; offset += 1_000) {
        const time = eventMs + offset;
        for (const when of [String(time), new Date(time).toISOString(), String(Math.floor(time / 1000))]) {
          for (const content of [text, textDigest(text)]) {
            partsList.push([request.userId, String(request.surface), String(request.modality), 'not-e2e', when, content]);
            partsList.push([request.userId, when, content]);
            partsList.push([when, content]);
          }
        }
      }
      // The exact fingerprint the service used to store, as a sanity check of the attack itself.
      const exact = hasher.fingerprint('interaction', [request.userId, String(request.surface), String(request.modality), 'not-e2e', String(eventMs), textDigest(text)]);
      const candidates = candidateHashes(secret, partsList);
      expect(candidates.has(exact)).toBe(true);
      const matches = [...candidates].filter((candidate) => stored.has(candidate));
      expect({ key, matches }).toEqual({ key, matches: [] });
      // Nor the text, any distinctive word of it, or its plain digest.
      for (const word of text.toLowerCase().match(/[a-z]{6,}/g) ?? []) expect({ key, word, found: [...stored].find((v) => v.toLowerCase().includes(word)) }).toEqual({ key, word, found: undefined });
    }
  });

  it('still tells a reused interaction id with other content from a retry, by what is stored', async () => {
    const mixed = requests.get('mixed') as signal.Interaction;
    await expect(h.client.ingestInteraction({ interaction: { ...mixed, text: 'I want to learn golf this summer' } })).rejects.toMatchObject({ code: 6 });
    await expect(h.client.ingestInteraction({ interaction: { ...mixed, eventTime: new Date((mixed.eventTime as Date).getTime() - 1) } })).rejects.toMatchObject({ code: 6 });
    expect((await h.client.ingestInteraction({ interaction: mixed })).status).toBe(IngestStatus.INGEST_STATUS_DUPLICATE);
    // A skipped record keeps nothing to compare but its user: another user's reuse is refused.
    const refused = requests.get('refused') as signal.Interaction;
    await expect(h.client.ingestInteraction({ interaction: { ...refused, userId: 'someone-else' } })).rejects.toMatchObject({ code: 6 });
  });
});
