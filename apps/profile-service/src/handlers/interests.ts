import { getTaxonomy } from '@signalpath/taxonomy';
import type { RankedInterest } from '@signalpath/interest-profile';
import type { common, profile } from '@signalpath/proto';

/** A ranked interest in API form, with the topic's taxonomy name and tier-1 name. */
export function toApiInterest(interest: RankedInterest): profile.Interest {
  const node = getTaxonomy().get(interest.topicId);
  return {
    topic: { id: interest.topicId, name: node?.name ?? '', tier1: node?.tier1 ?? '' },
    score: interest.score,
    sources: interest.sources.map(
      (source): common.InterestSource => ({ surface: source.surface, sourceKind: source.sourceKind, lastTime: new Date(source.lastTimeMs) }),
    ),
  };
}
