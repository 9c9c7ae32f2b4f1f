import { common, ranking } from '@signalpath/proto';
import { createRankingClient, type RankingClient } from '@signalpath/service-clients';
import { FakeConsentService, startTestService, type TestService } from '@signalpath/testing';
import type { RankingConfig } from '../config';
import { rankingService } from '../server';
import { FakeProfile } from './fake-dependencies';

/** A Rank request whose candidate_ids may be left out (most tests send `candidates`). */
export type RankInput = Omit<ranking.RankRequest, 'candidateIds'> & { candidateIds?: string[] };

/** The RankingService client, with Rank taking a RankInput. */
export type HarnessClient = Omit<RankingClient, 'rank'> & { rank(request: RankInput, overrides?: Parameters<RankingClient['rank']>[1]): Promise<ranking.RankResponse> };

export function withRankInput(client: RankingClient): HarnessClient {
  return Object.assign(Object.create(client) as RankingClient, {
    rank: (request: RankInput, overrides?: Parameters<RankingClient['rank']>[1]) => client.rank({ candidateIds: [], ...request }, overrides),
  });
}

export interface RankingHarness {
  svc: TestService<RankingConfig>;
  client: HarnessClient;
  consent: FakeConsentService;
  profile: FakeProfile;
  stop(): Promise<void>;
}

/** The real RankingService on a fresh database, wired to fake Consent and Profile servers. */
export async function startRankingHarness(
  env: Record<string, string> = {},
  options: { dbName?: string; keepDatabase?: boolean; mongoUri?: string; startBackground?: boolean } = {},
): Promise<RankingHarness> {
  const consent = new FakeConsentService();
  const profile = new FakeProfile(consent);
  await Promise.all([consent.start(), profile.start()]);
  const svc = await startTestService(rankingService, {
    env: { CONSENT_ADDR: consent.address, PROFILE_ADDR: profile.address, RANKING_SEED_DEMO_CATALOG: 'false', ...env },
    ...options,
  }).catch(async (error: unknown) => {
    await Promise.all([consent.stop(), profile.stop()]);
    throw error;
  });
  const raw = createRankingClient(svc.address, { timeoutMs: 10_000 });
  const client = withRankInput(raw);
  return {
    svc,
    client,
    consent,
    profile,
    async stop() {
      raw.close();
      await svc.stop();
      await Promise.all([consent.stop(), profile.stop()]);
    },
  };
}

const { SURFACE_FACEBOOK, SURFACE_INSTAGRAM, SURFACE_MESSENGER, SURFACE_WHATSAPP } = common.Surface;
export const SURFACES = { FACEBOOK: SURFACE_FACEBOOK, INSTAGRAM: SURFACE_INSTAGRAM, MESSENGER: SURFACE_MESSENGER, WHATSAPP: SURFACE_WHATSAPP };

/** A catalog item with defaults: a post on every surface with base score 10. */
export function makeItem(itemId: string, topicIds: string[], extra: Partial<ranking.Item> = {}): ranking.Item {
  return {
    itemId,
    kind: ranking.ItemKind.ITEM_KIND_POST,
    title: `Item ${itemId}`,
    topicIds,
    advertiserId: '',
    surfaces: [],
    baseScore: 10,
    createTime: undefined,
    ...extra,
  };
}

export function makeAd(itemId: string, topicIds: string[], advertiserId: string, extra: Partial<ranking.Item> = {}): ranking.Item {
  return makeItem(itemId, topicIds, { kind: ranking.ItemKind.ITEM_KIND_AD, advertiserId, ...extra });
}

export const byId = (itemId: string): ranking.Candidate => ({ candidate: { $case: 'itemId', value: itemId } });
export const inline = (item: ranking.Item): ranking.Candidate => ({ candidate: { $case: 'item', value: item } });
/** The ranked ids of a Rank or a Recommend response, in order. */
export const rankedIds = (response: { ranked: ranking.RankedCandidate[] } | { items: ranking.RankedItem[] }) =>
  'ranked' in response ? response.ranked.map((r) => r.itemId) : response.items.map((r) => r.item?.itemId);

/** The reasons of one ranked candidate of a Rank response, resolved from its reason set. */
export function reasonsOf(response: ranking.RankResponse, itemId: string): ranking.RankingReason[] {
  const ranked = response.ranked.find((r) => r.itemId === itemId);
  if (!ranked) throw new Error(`${itemId} is not ranked`);
  const set = response.reasonSets[ranked.reasonSet];
  if (!set) throw new Error(`${itemId} refers to reason set ${ranked.reasonSet} of ${response.reasonSets.length}`);
  return set.reasons;
}
