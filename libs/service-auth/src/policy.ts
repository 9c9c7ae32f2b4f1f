import type { Identity } from './keys';

const CONSENT = 'signalpath.consent.v1.ConsentService';
const SIGNAL = 'signalpath.signal.v1.SignalService';
const PROFILE = 'signalpath.profile.v1.ProfileService';
const RANKING = 'signalpath.ranking.v1.RankingService';

/**
 * Who may call what: `/<service>/<Method>` → allowed caller identities. A method missing here is
 * denied to everyone (fail closed). `operator` is the human/tooling identity (grpcurl, demo).
 */
export const METHOD_CALLERS: Record<string, readonly Identity[]> = {
  [`/${CONSENT}/GetSettings`]: ['signal-service', 'profile-service', 'ranking-service', 'settings-ui', 'operator'],
  [`/${CONSENT}/CheckEligibility`]: ['signal-service', 'profile-service', 'ranking-service', 'operator'],
  [`/${CONSENT}/BatchCheckEligibility`]: ['signal-service', 'profile-service', 'ranking-service', 'operator'],
  [`/${CONSENT}/UpdateSettings`]: ['settings-ui', 'operator'],
  [`/${CONSENT}/LinkAccount`]: ['settings-ui', 'operator'],
  [`/${CONSENT}/UnlinkAccount`]: ['settings-ui', 'operator'],
  [`/${CONSENT}/ListSettingsHistory`]: ['settings-ui', 'operator'],
  [`/${CONSENT}/RequestErasure`]: ['settings-ui', 'operator'],
  [`/${CONSENT}/GetErasureJob`]: ['settings-ui', 'operator'],
  [`/${CONSENT}/ExportUserData`]: ['settings-ui', 'operator'],
  // Topic discovery for settings screens: the public taxonomy, nobody's data (not user-scoped).
  [`/${CONSENT}/ListTopics`]: ['settings-ui', 'operator'],
  [`/${CONSENT}/SearchTopics`]: ['settings-ui', 'operator'],

  [`/${SIGNAL}/PreviewSignals`]: ['assistant-backend', 'settings-ui', 'operator'],
  [`/${SIGNAL}/IngestInteraction`]: ['assistant-backend', 'operator'],
  [`/${SIGNAL}/IngestInteractions`]: ['assistant-backend', 'operator'],
  [`/${SIGNAL}/RecordActivity`]: ['feed-backend', 'operator'],
  [`/${SIGNAL}/ListSignals`]: ['settings-ui', 'operator'],
  [`/${SIGNAL}/GetOutboxStatus`]: ['operator'],
  [`/${SIGNAL}/DeleteUserData`]: ['consent-service'],
  [`/${SIGNAL}/ExportUserData`]: ['consent-service'],

  [`/${PROFILE}/ApplySignals`]: ['signal-service'],
  [`/${PROFILE}/GetProfile`]: ['ranking-service', 'settings-ui', 'operator'],
  [`/${PROFILE}/ExplainInterest`]: ['ranking-service', 'settings-ui', 'operator'],
  [`/${PROFILE}/GetReadContext`]: ['ranking-service', 'operator'],
  [`/${PROFILE}/DeleteUserData`]: ['consent-service'],
  [`/${PROFILE}/ExportUserData`]: ['consent-service'],
  [`/${PROFILE}/RemoveInterest`]: ['settings-ui', 'operator'],
  [`/${PROFILE}/ListCorrections`]: ['settings-ui', 'operator'],
  // RankingService looks up the item's topics in its catalog and records the mark for the user.
  [`/${PROFILE}/MarkItemNotInterested`]: ['ranking-service'],
  [`/${PROFILE}/UndoItemNotInterested`]: ['ranking-service'],

  [`/${RANKING}/UpsertItems`]: ['feed-backend', 'operator'],
  [`/${RANKING}/DeleteItems`]: ['feed-backend', 'operator'],
  [`/${RANKING}/Rank`]: ['feed-backend', 'operator'],
  [`/${RANKING}/Recommend`]: ['feed-backend', 'operator'],
  [`/${RANKING}/ExplainItem`]: ['feed-backend', 'settings-ui', 'operator'],
  // Catalog reads: whoever maintains and ranks the catalog (not user-scoped).
  [`/${RANKING}/GetItem`]: ['feed-backend', 'operator'],
  [`/${RANKING}/ListItems`]: ['feed-backend', 'operator'],
  [`/${RANKING}/MarkNotInterested`]: ['feed-backend', 'settings-ui', 'operator'],
  [`/${RANKING}/UndoNotInterested`]: ['feed-backend', 'settings-ui', 'operator'],
};

/**
 * Methods acting on one user's data, and where the request names that user: a field path of the
 * decoded request, or `handler` when the handler checks it (GetErasureJob names a job, whose
 * user only the store knows). A call carrying a user assertion may only name the asserted user.
 */
export const USER_SCOPED_METHODS: Record<string, string> = {
  [`/${CONSENT}/GetSettings`]: 'userId',
  [`/${CONSENT}/UpdateSettings`]: 'userId',
  [`/${CONSENT}/LinkAccount`]: 'userId',
  [`/${CONSENT}/UnlinkAccount`]: 'userId',
  [`/${CONSENT}/ListSettingsHistory`]: 'userId',
  [`/${CONSENT}/RequestErasure`]: 'userId',
  [`/${CONSENT}/GetErasureJob`]: 'handler',
  [`/${CONSENT}/ExportUserData`]: 'userId',
  [`/${SIGNAL}/PreviewSignals`]: 'interaction.userId',
  [`/${SIGNAL}/ListSignals`]: 'userId',
  [`/${PROFILE}/GetProfile`]: 'userId',
  [`/${PROFILE}/ExplainInterest`]: 'userId',
  [`/${PROFILE}/GetReadContext`]: 'userId',
  [`/${RANKING}/ExplainItem`]: 'userId',
  [`/${PROFILE}/RemoveInterest`]: 'userId',
  [`/${PROFILE}/ListCorrections`]: 'userId',
  [`/${PROFILE}/MarkItemNotInterested`]: 'userId',
  [`/${PROFILE}/UndoItemNotInterested`]: 'userId',
  [`/${RANKING}/MarkNotInterested`]: 'userId',
  [`/${RANKING}/UndoNotInterested`]: 'userId',
};

/**
 * Callers acting for a signed-in person: on a user-scoped method they must present that person's
 * assertion. `operator` may act without one (audited as the operator); the services themselves
 * act for the system (eligibility checks, erasure fan-out) and present none.
 */
export const USER_ASSERTING_CALLERS: readonly Identity[] = ['settings-ui'];

/** Where `path` names its user, if it is user-scoped (own entries only, like isAllowed). */
export function userFieldOf(path: string, table: Record<string, string> = USER_SCOPED_METHODS): string | undefined {
  return Object.hasOwn(table, path) ? table[path] : undefined;
}

/** Health checks and reflection stay open so load balancers and grpcurl `list` work. */
export function isOpenMethod(path: string): boolean {
  return path.startsWith('/grpc.health.v1.') || path.startsWith('/grpc.reflection.');
}

export function isAllowed(path: string, caller: string, table: Record<string, readonly string[]> = METHOD_CALLERS): boolean {
  // Own entries only: a path like "constructor" or "__proto__" must not reach Object.prototype.
  return Object.hasOwn(table, path) && table[path].includes(caller);
}

/** `/pkg.Service/Method` → `pkg.Service`, the token audience. */
export function serviceOfPath(path: string): string {
  return path.split('/')[1] ?? '';
}
