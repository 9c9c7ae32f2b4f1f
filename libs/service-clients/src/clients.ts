import { createClient, type ClientOptions, type PromiseClient } from '@signalpath/grpc-kit';
import { consent, profile, ranking, signal, userdata } from '@signalpath/proto';
import { SERVICES, USER_DATA_GRPC_SERVICE, type UserDataTarget } from '@signalpath/config';
import { identityOptions } from './identity';

/**
 * Typed clients for the four services. Only reads and naturally idempotent writes are retried on
 * UNAVAILABLE by the channel; other writes are retried by their callers with the same id.
 */
export type ConsentClient = PromiseClient<typeof consent.ConsentServiceService>;
export type SignalClient = PromiseClient<typeof signal.SignalServiceService>;
export type ProfileClient = PromiseClient<typeof profile.ProfileServiceService>;
export type RankingClient = PromiseClient<typeof ranking.RankingServiceService>;
/** One data-holding service's UserDataService (Delete, Export). */
export type UserDataClient = PromiseClient<typeof userdata.UserDataServiceService>;

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
    idempotentMethods: ['PreviewSignals', 'IngestInteraction', 'IngestInteractions', 'RecordActivity', 'ListSignals', 'GetOutboxStatus'],
  });
}

export function createProfileClient(address: string, options: Extra = {}): ProfileClient {
  return createClient(profile.ProfileServiceService, address, {
    ...identityOptions(SERVICES.profile.grpcService),
    ...options,
    serviceName: SERVICES.profile.grpcService,
    // ApplySignals is idempotent through the signal-id ledger.
    idempotentMethods: ['ApplySignals', 'GetProfile', 'ExplainInterest'],
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

/**
 * The one client of the user-data contract, for any target (ConsentService's erasure and export
 * fan-out). Its tokens name the target's hosting service (`target.audience`), and with mTLS it
 * accepts only that service. Both methods are idempotent (Delete finds its marker again).
 */
export function createUserDataClient(target: UserDataTarget, options: Extra = {}): UserDataClient {
  return createClient(userdata.UserDataServiceService, target.address, {
    ...identityOptions(target.audience),
    ...options,
    serviceName: USER_DATA_GRPC_SERVICE,
    idempotentMethods: ['Delete', 'Export'],
  });
}
