import { getTaxonomy } from '@signalpath/taxonomy';
import { common, signal } from '@signalpath/proto';
import type { SignalOrigin, StoredSignal } from './store/documents';

/** The API's Topic for a taxonomy id (name and Tier-1 from the taxonomy). */
export function topicMessage(topicId: string): common.Topic {
  const node = getTaxonomy().get(topicId);
  return { id: topicId, name: node?.name ?? '', tier1: node?.tier1 ?? '' };
}

/** A stored signal as the API shows it. Never carries text: there is none to carry. */
export function signalMessage(stored: StoredSignal, origin: Partial<SignalOrigin>): signal.Signal {
  return {
    topic: topicMessage(stored.topicId),
    weight: stored.weight,
    adsEligible: stored.adsEligible,
    contentEligible: stored.contentEligible,
    signalId: stored.signalId,
    surface: origin.surface ?? common.Surface.SURFACE_UNSPECIFIED,
    sourceKind: origin.sourceKind ?? common.SourceKind.SOURCE_KIND_UNSPECIFIED,
    modality: origin.modality ?? common.Modality.MODALITY_UNSPECIFIED,
    eventTime: origin.eventTime,
  };
}

/** Stored signals, strongest first (the order responses and exports use). */
export function byWeight(signals: readonly StoredSignal[]): StoredSignal[] {
  return [...signals].sort((a, b) => b.weight - a.weight || (a.topicId < b.topicId ? -1 : 1));
}
