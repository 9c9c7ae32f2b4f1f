import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { ConsentPolicy } from '@signalpath/consent-policy';
import { idProblem, InvalidArgumentError } from '@signalpath/grpc-kit';
import type { ProfileClient, SignalClient } from '@signalpath/service-clients';
import { assertedUserOf, callerOf } from '@signalpath/service-auth';
import type { Logger } from '@signalpath/telemetry';
import type { ErasureJobs } from '../erasure/jobs';
import type { SettingsCache } from '../settings/settings-cache';
import type { SettingsWriter } from '../settings/settings-writer';
import type { ErasureStore } from '../store/erasure-store';
import type { LinksStore } from '../store/links-store';
import type { SettingsStore } from '../store/settings-store';
import type { TopicDirectory } from '../topics/topic-directory';

/** What the handlers work with; built once in server.ts. */
export interface ConsentContext {
  policy: ConsentPolicy;
  cache: SettingsCache;
  writer: SettingsWriter;
  settings: SettingsStore;
  links: LinksStore;
  erasureStore: ErasureStore;
  jobs: ErasureJobs;
  signal: SignalClient;
  profile: ProfileClient;
  /** The taxonomy with sensitivity, for ListTopics and SearchTopics. */
  topics: TopicDirectory;
  logger: Logger;
  now: () => Date;
}

/** The metadata key naming the caller when no verified service identity is present. */
export const ACTOR_METADATA_KEY = 'x-signalpath-actor';
export const ANONYMOUS_ACTOR = 'anonymous';

/**
 * The caller identity recorded in the settings history: the service identity verified from the
 * caller's signed token when service auth is on, else the `x-signalpath-actor` metadata value,
 * else "anonymous".
 */
/** The call carried a verified assertion of the person whose data it changes (settings-ui). */
export function userAssertedOf(call: ServerUnaryCall<unknown, unknown>): boolean {
  return assertedUserOf(call.metadata) !== undefined;
}

export function actorOf(call: ServerUnaryCall<unknown, unknown>): string {
  const verified = callerOf(call.metadata);
  if (verified) return verified;
  const value = call.metadata.get(ACTOR_METADATA_KEY)[0];
  if (value === undefined) return ANONYMOUS_ACTOR;
  const actor = typeof value === 'string' ? value.trim() : '';
  // Stored in the settings history: held to the id grammar like every other name a caller gives.
  const problem = idProblem(actor);
  if (problem) throw new InvalidArgumentError(ACTOR_METADATA_KEY, problem);
  return actor;
}
