import type { ConsentPurposeName, ConsentStringFormat, LegalBasis } from '@signalpath/consent-policy';
import type { AgeBand, Choice } from '@signalpath/domain';

/**
 * Documents of the `consent` database. Enum-valued fields are stored by name (readable in the
 * database, stable if enum numbers were ever reordered); the mapping to proto lives in ../mapping.
 */

export const SURFACE_NAMES = ['FACEBOOK', 'INSTAGRAM', 'MESSENGER', 'WHATSAPP'] as const;
export type SurfaceName = (typeof SURFACE_NAMES)[number];

/** AI_CHAT_ADS / AI_CHAT_CONTENT: only that purpose's use of AI-chat data. */
export type ScopeName = 'AI_CHAT' | 'AI_CHAT_ADS' | 'AI_CHAT_CONTENT' | 'ALL';

export interface LinkedAccountEntry {
  account_id: string;
  link_time: Date;
}

/** `settings`: one document per user who ever wrote anything; `_id` is the user id. */
export interface SettingsDoc {
  _id: string;
  version: number;
  update_time?: Date;
  ai_chat_ads: Choice;
  ai_chat_content: Choice;
  cross_app_sharing: Choice;
  region: string;
  age_band: AgeBand;
  ad_preferences: { blocked_topic_ids: string[]; blocked_advertiser_ids: string[]; see_fewer_topic_ids: string[] };
  feed_controls: { non_personalized_feed: boolean; show_more_topic_ids: string[]; show_less_topic_ids: string[] };
  /** At most one account per surface (Accounts Center). */
  linked_accounts: Partial<Record<SurfaceName, LinkedAccountEntry>>;
  /** The last Global Privacy Control signal recorded with a change (absent: never sent). */
  gpc?: boolean;
  /** Set when an ERASURE_SCOPE_ALL job reduced the settings to this tombstone. */
  erased?: { job_id: string; erase_time: Date };
}

/** The settings of a user who never wrote anything: the policy defaults at version 0. */
export function defaultSettings(userId: string): SettingsDoc {
  return {
    _id: userId,
    version: 0,
    ai_chat_ads: 'UNSPECIFIED',
    ai_chat_content: 'UNSPECIFIED',
    cross_app_sharing: 'UNSPECIFIED',
    region: '',
    age_band: 'UNKNOWN',
    ad_preferences: { blocked_topic_ids: [], blocked_advertiser_ids: [], see_fewer_topic_ids: [] },
    feed_controls: { non_personalized_feed: false, show_more_topic_ids: [], show_less_topic_ids: [] },
    linked_accounts: {},
  };
}

/** Where a field change came from, when not from the request itself. */
export type ChangeSourceName = 'GPC' | 'CONSENT_STRING';

export interface FieldChangeDoc {
  field_path: string;
  old_value_json: string;
  new_value_json: string;
  source?: ChangeSourceName;
}

/** What a consent change rests on (SettingsChange.consent_record). Enum values by name. */
export interface ConsentRecordDoc {
  notice_version: string;
  region: string;
  legal_bases: { purpose: ConsentPurposeName; legal_basis: LegalBasis }[];
  gpc: boolean;
  gpc_binding: boolean;
  consent_string_format?: ConsentStringFormat;
}

/**
 * `settings_history`: one entry per version, append-only. Its `_id` (user id + version) is also the
 * write arbiter: of concurrent writers that read the same version, only the one whose entry
 * insert succeeds may apply its change (a unique-key insert is atomic on MongoDB and FerretDB
 * alike, conditional updates are not atomic on FerretDB v1). Until the change is applied to
 * `settings`, the entry carries the new settings as `snapshot`, so a crash between the two writes
 * is rolled forward instead of lost.
 */
export interface HistoryDoc {
  _id: string;
  user_id: string;
  version: number;
  change_time: Date;
  actor: string;
  /** The person made this change themselves (a verified user assertion), through `actor`. */
  user_asserted?: boolean;
  field_changes: FieldChangeDoc[];
  /** Set on changes of a choice, the region, the age band, with a GPC signal or from a consent string. */
  consent_record?: ConsentRecordDoc;
  applied: boolean;
  snapshot?: SettingsDoc;
  /** Set when this change withdrew AI-chat consent: the erasure it must start. */
  erasure_scope?: ScopeName;
}

export function historyId(userId: string, version: number): string {
  // Injective: the suffix after the last "@v" is the version, which has no "@".
  return `${userId}@v${version}`;
}

/** `linked_accounts`: who owns an account on a surface; `_id` is surface + account id. */
export interface LinkClaimDoc {
  _id: string;
  surface: SurfaceName;
  account_id: string;
  user_id: string;
  link_time: Date;
}

export function linkClaimId(surface: SurfaceName, accountId: string): string {
  return `${surface}:${accountId}`;
}

export type JobStateName = 'PENDING' | 'RUNNING' | 'SUCCEEDED';
/** A target's name (CONSENT_USER_DATA_TARGETS), e.g. `signal`: lower-case letters, digits, - and _. */
export type TargetKey = string;

export interface ErasureTargetDoc {
  service: string;
  state: 'PENDING' | 'CONFIRMED';
  attempts: number;
  last_error_code: string;
  confirm_time?: Date;
  deleted_count: number;
}

/** A target that has not been called yet. */
export function pendingTarget(service: string): ErasureTargetDoc {
  return { service, state: 'PENDING', attempts: 0, last_error_code: '', deleted_count: 0 };
}

/** `erasure_jobs`: durable erasure jobs with per-target state and a worker lease. */
export interface ErasureJobDoc {
  _id: string;
  user_id: string;
  scope: ScopeName;
  state: JobStateName;
  /**
   * `user|scope` while the job is unfinished, `done|<job id>` after: a unique index on it makes
   * "at most one unfinished job per user and scope" hold under concurrent requests.
   */
  active_key: string;
  requested_by: string;
  create_time: Date;
  complete_time?: Date;
  /**
   * One entry per target configured when the job was created or while it ran (in that order); a
   * job succeeds only when every one confirmed.
   */
  targets: Record<TargetKey, ErasureTargetDoc>;
  /** ERASURE_SCOPE_ALL: when this service's own data was reduced to the tombstone. */
  local_erase_time?: Date;
  /** Failed rounds so far (drives the backoff). */
  rounds: number;
  next_attempt_time: Date;
  lease_owner: string;
  lease_until: Date;
}

export function activeJobKey(userId: string, scope: ScopeName): string {
  return `${userId}|${scope}`;
}

export const COLLECTIONS = {
  settings: 'settings',
  history: 'settings_history',
  links: 'linked_accounts',
  jobs: 'erasure_jobs',
} as const;
