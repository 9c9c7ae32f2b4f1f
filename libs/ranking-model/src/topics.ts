import { getTaxonomy } from '@signalpath/taxonomy';

const chains = new Map<string, readonly string[]>();

/**
 * The topic itself followed by its ancestors, nearest first (`[Climbing, Extreme Sports,
 * Sports]`); cached, as the ranker asks for it for every item topic. Unknown ids yield `[id]`.
 */
export function selfAndAncestors(topicId: string): readonly string[] {
  let chain = chains.get(topicId);
  if (!chain) {
    chain = Object.freeze([topicId, ...getTaxonomy().ancestors(topicId).map((node) => node.id)]);
    // Only known ids are cached, so junk input cannot grow the cache.
    if (getTaxonomy().has(topicId)) chains.set(topicId, chain);
  }
  return chain;
}

/** The first id of `chain` that is in `set`, if any. */
export function firstIn(chain: readonly string[], set: ReadonlySet<string>): string | undefined {
  for (const id of chain) if (set.has(id)) return id;
  return undefined;
}

/** The node's taxonomy name, or the id itself when unknown. */
export function topicName(topicId: string): string {
  return getTaxonomy().get(topicId)?.name ?? topicId;
}
