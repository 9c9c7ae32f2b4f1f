import { ErasureGuard, ErasureMarkers } from '@signalpath/erasure';
import { bindService } from '@signalpath/grpc-kit';
import { signal, userdata } from '@signalpath/proto';
import { createConsentClient, createProfileClient } from '@signalpath/service-clients';
import { serviceServer, type ServiceInstance, type ServiceModule } from '@signalpath/service-host';
import { compileLexicons } from '@signalpath/signal-extraction';

import { DEV_HASH_SECRET, readConfig, type SignalConfig } from './config';
import { OutboxDeliverer } from './delivery/outbox-deliverer';
import { OutboxRecovery } from './delivery/outbox-recovery';
import { OutboxWriter } from './delivery/outbox-writer';
import { RetentionSweeper } from './delivery/retention-sweeper';
import { KeyedHasher } from './domain/keyed-hash';
import type { TopicPolicy } from './domain/signal-policy';
import { deleteSignalHandlers } from './handlers/delete-signal';
import { ingestHandlers } from './handlers/ingest';
import { previewHandlers } from './handlers/preview';
import { readHandlers } from './handlers/read';
import { userDataHandlers } from './handlers/user-data';
import { libraryAnalyzer, libraryTopicPolicy, type TextAnalyzer } from './ingest/analyzer';
import { Ingestion } from './ingest/ingestion';
import { MAX_BATCH_ITEMS, MAX_TEXT_BYTES } from './validation';
import { SIGNAL_INDEXES, SignalStore } from './store/signal-store';
import { SignalMeters } from './telemetry/meters';

/** A full batch of maximum-size texts must fit, with room for the envelope. */
const MAX_RECEIVE_BYTES = MAX_BATCH_ITEMS * (MAX_TEXT_BYTES + 1024) + 1024 * 1024;

export interface SignalServiceOverrides {
  /** The clock (tests move it to check retention and event-time rules). */
  now?: () => Date;
  /** Replaces the in-process extraction library (e.g. with a model service client). */
  analyzer?: TextAnalyzer;
  topicPolicy?: TopicPolicy;
}

export interface SignalServiceInstance extends ServiceInstance {
  store: SignalStore;
  outbox: OutboxWriter;
  deliverer: OutboxDeliverer;
  recovery: OutboxRecovery;
  sweeper: RetentionSweeper;
}

/** Builds the SignalService module; `overrides` exist for tests and benchmarks. */
export function createSignalService(overrides: SignalServiceOverrides = {}): ServiceModule<SignalConfig> {
  return {
    key: 'signal',
    readConfig,
    indexes: SIGNAL_INDEXES,
    create({ config, db, logger, security }): SignalServiceInstance {
      const now = overrides.now ?? (() => new Date());
      if (config.hashSecret === DEV_HASH_SECRET) logger.warn({}, 'SIGNAL_HASH_SECRET is not set: using the development secret');
      const store = new SignalStore(db);
      const markers = new ErasureMarkers(db);
      // Writes must land within half the fence after their marker check (docs/erasure.md).
      const guard = new ErasureGuard(markers, { writeBoundMs: config.erasureFenceMs / 2 });
      // These clients carry this process's service identity (set up by the service host).
      const consent = createConsentClient(config.consentAddress);
      const profile = createProfileClient(config.profileAddress, { timeoutMs: config.deliveryTimeoutMs });
      const analyzer = overrides.analyzer ?? libraryAnalyzer({ allowSensitiveContent: config.allowSensitiveContent });
      // Lexicons are compiled now, and which data this process reads is on record (checksums, no text).
      if (!overrides.analyzer) logger.info({ lexicons: compileLexicons() }, 'lexicons compiled');
      const topicPolicy = overrides.topicPolicy ?? libraryTopicPolicy;
      const meters = new SignalMeters();
      let stopBacklog: (() => void) | undefined;
      const deliverer = new OutboxDeliverer({
        meters,
        store,
        guard,
        profile,
        now,
        logger,
        options: {
          batchSize: config.deliveryBatchSize,
          claimBatches: config.deliveryClaimBatches,
          intervalMs: config.deliveryIntervalMs,
          idleMaxMs: config.deliveryIdleMaxMs,
          leaseMs: config.deliveryLeaseMs,
          maxBackoffMs: config.deliveryMaxBackoffMs,
          refusedRetryMs: config.deliveryRefusedRetryMs,
          timeoutMs: config.deliveryTimeoutMs,
        },
      });
      const outbox = new OutboxWriter({ store, guard, now, logger, options: { heartbeatMs: config.outboxHeartbeatMs, flushDelayMs: config.outboxFlushDelayMs }, onFlushed: () => deliverer.notify() });
      const recovery = new OutboxRecovery({
        store,
        guard,
        writerId: outbox.writerId,
        staleMs: config.outboxWriterStaleMs,
        intervalMs: config.outboxRecoveryIntervalMs,
        now,
        logger,
        onRecovered: () => deliverer.notify(),
      });
      const sweeper = new RetentionSweeper({ store, retentionMs: config.retentionMs, intervalMs: config.retentionSweepIntervalMs, now, logger });
      const ingestion = new Ingestion({
        store,
        consent,
        hasher: new KeyedHasher(config.hashSecret),
        analyzer,
        topicPolicy,
        allowSensitiveContent: config.allowSensitiveContent,
        now,
        logger,
        outbox,
        guard,
        meters,
      });
      const ctx = { ingestion, store, markers, guard, profile, erasureFenceMs: config.erasureFenceMs, analyzer, topicPolicy, now, logger };
      const server = serviceServer(
        { config, security },
        [
          bindService<signal.SignalServiceServer>(signal.SignalServiceService, { ...previewHandlers(ctx), ...ingestHandlers(ctx), ...readHandlers(ctx), ...deleteSignalHandlers(ctx) }, logger),
          // The user-data contract, next to the service (only ConsentService may call it).
          bindService<userdata.UserDataServiceServer>(userdata.UserDataServiceService, userDataHandlers(ctx), logger),
        ],
        { maxReceiveMessageBytes: MAX_RECEIVE_BYTES },
      );
      return {
        server,
        store,
        outbox,
        deliverer,
        recovery,
        sweeper,
        start() {
          // Records stored before interactions stopped keeping a text fingerprint lose it.
          store.dropInteractionFingerprints().then(
            (dropped) => {
              if (dropped > 0) logger.info({ records: dropped }, 'removed text fingerprints of earlier interaction records');
            },
            (error: unknown) => logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'removing earlier text fingerprints failed; retried at the next start'),
          );
          outbox.start();
          deliverer.start();
          recovery.start();
          sweeper.start();
          stopBacklog = meters.observeBacklog(() => store.outboxStatus(), now);
        },
        async close() {
          stopBacklog?.();
          // What is still buffered is written first, so the deliverer's last rounds can take it.
          await outbox.close();
          await Promise.all([deliverer.close(), recovery.close(), sweeper.close()]);
          consent.close();
          profile.close();
        },
      };
    },
  };
}

/** The production SignalService (main.ts). */
export const signalService = createSignalService();
