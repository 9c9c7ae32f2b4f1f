import type { ErasureGuard, ErasureMarkers } from '@signalpath/erasure';
import type { ProfileClient } from '@signalpath/service-clients';
import type { Logger } from '@signalpath/telemetry';
import type { TopicPolicy } from '../domain/signal-policy';
import type { TextAnalyzer } from '../ingest/analyzer';
import type { Ingestion } from '../ingest/ingestion';
import type { SignalStore } from '../store/signal-store';

/** What the RPC handlers work with. */
export interface HandlerContext {
  ingestion: Ingestion;
  store: SignalStore;
  markers: ErasureMarkers;
  /** Every write of user data goes through it (docs/erasure.md). */
  guard: ErasureGuard;
  /** ProfileService (DeleteSignal). */
  profile: ProfileClient;
  /** SIGNAL_ERASURE_FENCE: how long an erasure waits for writes in flight before its final pass. */
  erasureFenceMs: number;
  analyzer: TextAnalyzer;
  topicPolicy: TopicPolicy;
  now: () => Date;
  logger: Logger;
}
