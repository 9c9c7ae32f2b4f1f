import { createClient, type ClientOptions, type PromiseClient } from '@signalpath/grpc-kit';
import { consent, profile, ranking, signal } from '@signalpath/proto';
import { SERVICES } from '@signalpath/config';
import { identityOptions } from './identity';

/**
 * Typed clients for the four services. Only reads and naturally idempotent writes are retried on
 * UNAVAILABLE by the channel; other writes are retried by their callers with the same id.
 */
export type ConsentClient = PromiseClient<typeof consent.ConsentServiceService>;
export type SignalClient = PromiseClient<typeof signal.SignalServiceService>;
export type ProfileClient = PromiseClient<typeof profile.ProfileServiceService>;
export type RankingClient = PromiseClient<typeof ranking.RankingServiceService>;

type Extra = Omit<ClientOptions, 'serviceName' | 'idempotentMethods'>;

export function createConsentClient(address: string, options: Extra = {}): ConsentClient {
  return createClient(consent.ConsentServiceService, address, {
    ...identityOptions(SERVICES.consent.grpcService),
    ...options,
    serviceName: SERVICES.consent.grpcService,
    idempotentMethods: ['GetSettings', 'CheckEligibility', 'BatchCheckEligibility', 'ListSettingsHistory', 'GetErasureJob', 'ExportUserData', 'UnlinkAccount', 'ListTopics', 'SearchTopics', 'ExportConsentString'],
  });
}

export function createSignalClient(address: string, options: Extra = {}): SignalClient {
  return createClient(signal.SignalServiceService, address, {
    ...identityOptions(SERVICES.signal.grpcService),
    ...options,
    serviceName: SERVICES.signal.grpcService,
    // Ingestion is idempotent on interaction_id, deletion on user id.
    idempotentMethods: ['PreviewSignals', 'IngestInteraction', 'IngestInteractions', 'RecordActivity', 'ListSignals', 'GetOutboxStatus', 'DeleteUserData', 'ExportUserData'],
  });
}

export function createProfileClient(address: string, options: Extra = {}): ProfileClient {
  return createClient(profile.ProfileServiceService, address, {
    ...identityOptions(SERVICES.profile.grpcService),
    ...options,
    serviceName: SERVICES.profile.grpcService,
    // ApplySignals is idempotent through the signal-id ledger.
    idempotentMethods: ['ApplySignals', 'GetProfile', 'ExplainInterest', 'DeleteUserData', 'ExportUserData'],
  });
}

export function createRankingClient(address: string, options: Extra = {}): RankingClient {
  return createClient(ranking.RankingServiceService, address, {
    ...identityOptions(SERVICES.ranking.grpcService),
    ...options,
    serviceName: SERVICES.ranking.grpcService,
    idempotentMethods: ['UpsertItems', 'DeleteItems', 'Rank', 'Recommend', 'ExplainItem', 'GetItem', 'ListItems'],
  });
}
