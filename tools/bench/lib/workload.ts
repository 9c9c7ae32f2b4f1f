// The benchmark workload the load and capacity suites share: chat messages, catalog topics and
// a deterministic catalog item, so both measure the same requests.
import { ranking } from '@signalpath/proto';

/** Benign chat messages in the extractor's supported English. */
export const MESSAGES = [
  'I have been getting into rock climbing and want new climbing shoes for the gym',
  'Any tips for a weekend road trip through the national parks with a tent?',
  'What is a good beginner sourdough recipe, my bread keeps coming out flat',
  'Looking for a used electric car with decent range for commuting',
  'Which running shoes are best for a first half marathon training plan',
  'Can you compare a few mirrorless cameras for travel photography under 1000 dollars',
  'Help me plan a vegetable garden for a small balcony that gets afternoon sun',
  'What board games work well for four players who like strategy',
];

/** IAB 3.1 ids of non-sensitive topics the catalog spreads its items over. */
const TOPICS = ['483', '498', '500', '505', '504', '531', '499', '502', '492', '533', '547', '539', '551', '227', '225', '229', '677', '665', '670', '668'];
const KINDS = [ranking.ItemKind.ITEM_KIND_POST, ranking.ItemKind.ITEM_KIND_REEL, ranking.ItemKind.ITEM_KIND_GROUP, ranking.ItemKind.ITEM_KIND_AD];

/** Catalog item `i` (`<prefix>-item-<i>`): kinds in turn, one or two topics, every fourth an ad. */
export function benchItem(prefix: string, i: number): ranking.Item {
  const kind = KINDS[i % KINDS.length];
  const topicIds = i % 3 === 0 ? [TOPICS[i % TOPICS.length], TOPICS[(i * 7) % TOPICS.length]] : [TOPICS[i % TOPICS.length]];
  return {
    itemId: `${prefix}-item-${i}`,
    kind,
    title: `Bench item ${i} about things people like`,
    topicIds: [...new Set(topicIds)],
    advertiserId: kind === ranking.ItemKind.ITEM_KIND_AD ? `adv-${i % 25}` : '',
    surfaces: [],
    baseScore: (i * 37) % 101,
    createTime: new Date(Date.UTC(2026, 0, 1) - i * 60_000),
  };
}
