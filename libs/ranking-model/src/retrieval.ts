import { getTaxonomy } from '@signalpath/taxonomy';
import type { ProfileView, Purpose } from './types';

export interface RetrievalOptions {
  /** How many of the strongest interests drive retrieval. */
  maxInterests: number;
  /** Bound on the topic ids of the catalog query (interests plus their descendants). */
  maxTopicIds: number;
}

export const DEFAULT_RETRIEVAL_OPTIONS: RetrievalOptions = { maxInterests: 20, maxTopicIds: 400 };

/**
 * The catalog topics to retrieve candidates by: the user's strongest interests over the given
 * purposes (only personalized views count) plus their descendants, since an interest in a topic
 * also matches items about its subtopics. Strongest interests come first, so the bound cuts the
 * weakest. `declaredTopicIds` (the user's "show more" topics, a declared interest) come before any
 * of them, so a user without history still gets candidates about what they asked for.
 */
export function retrievalTopics(
  profiles: Record<Purpose, ProfileView>,
  purposes: Iterable<Purpose>,
  options: RetrievalOptions = DEFAULT_RETRIEVAL_OPTIONS,
  declaredTopicIds: readonly string[] = [],
): string[] {
  const best = new Map<string, number>();
  for (const purpose of purposes) {
    const view = profiles[purpose];
    if (!view.personalized) continue;
    for (const interest of view.interests) {
      if (!(interest.score > 0)) continue;
      if ((best.get(interest.topicId) ?? 0) < interest.score) best.set(interest.topicId, interest.score);
    }
  }
  const strongest: Array<[string, number]> = [...declaredTopicIds.map((id): [string, number] => [id, Infinity]), ...[...best.entries()].sort((a, b) => b[1] - a[1])].slice(
    0,
    options.maxInterests,
  );
  const taxonomy = getTaxonomy();
  const topics = new Set<string>();
  for (const [topicId] of strongest) {
    if (topics.size >= options.maxTopicIds) break;
    topics.add(topicId);
    for (const node of taxonomy.descendants(topicId)) {
      if (topics.size >= options.maxTopicIds) break;
      topics.add(node.id);
    }
  }
  return [...topics];
}
