import { gpcBinding, noticeVersionProblem, withdrawnAiChatPurposes, type SettingsLeafPath } from '@signalpath/consent-policy';
import { InvalidArgumentError } from '@signalpath/grpc-kit';
import { subjectOf } from '../mapping';
import type { ChangeSourceName, ScopeName, SettingsDoc } from '../store/documents';

/** The person's choices: changing one is giving or withdrawing consent. */
export const CHOICE_PATHS: ReadonlySet<string> = new Set<SettingsLeafPath>(['ai_chat_ads', 'ai_chat_content', 'cross_app_sharing']);
/** Paths whose change alters a legal basis, so the history entry carries a consent record. */
const BASIS_PATHS: ReadonlySet<string> = new Set<SettingsLeafPath>(['ai_chat_ads', 'ai_chat_content', 'cross_app_sharing', 'region', 'age_band']);

export const touchesConsent = (paths: readonly string[]) => paths.some((path) => BASIS_PATHS.has(path));

/**
 * The notice version a request carries. Required when the person (a call with their user
 * assertion) changes a choice: a consent must be demonstrable together with what they were told.
 * Operator and system changes are not the person's consent, and GPC needs no notice.
 */
export function noticeVersionOf(value: string | undefined, required: boolean): string {
  const version = value ?? '';
  if (version === '') {
    if (required) throw new InvalidArgumentError('notice_version', 'is required when the person changes a choice: the privacy notice version the client showed');
    return '';
  }
  const problem = noticeVersionProblem(version);
  if (problem) throw new InvalidArgumentError('notice_version', problem);
  return version;
}

/**
 * Records a GPC signal in `after` and, where the region makes GPC binding, opts the user out of
 * AI-chat ads (source GPC; it overrides an opt-in sent with the same signal). A signal recorded
 * earlier binds too once the region becomes a binding one. A path GPC changed goes into `sources`.
 */
export function applyGpc(before: SettingsDoc, after: SettingsDoc, signal: boolean | undefined, sources: Map<string, ChangeSourceName>): void {
  if (signal !== undefined) after.gpc = signal;
  const binds = after.gpc === true && gpcBinding(after.region) && (signal === true || before.region !== after.region);
  if (binds && after.ai_chat_ads !== 'OPT_OUT') {
    after.ai_chat_ads = 'OPT_OUT';
    sources.set('ai_chat_ads', 'GPC');
  }
}

/** The erasure a change requires: withdrawing an AI-chat choice erases exactly that use (invariant 9). */
export function erasureScopeOf(before: SettingsDoc, after: SettingsDoc): ScopeName | undefined {
  const withdrawn = withdrawnAiChatPurposes(subjectOf(before), subjectOf(after));
  if (withdrawn.length === 2) return 'AI_CHAT';
  if (withdrawn[0] === 'ADS') return 'AI_CHAT_ADS';
  if (withdrawn[0] === 'CONTENT') return 'AI_CHAT_CONTENT';
  return undefined;
}

/** History paths: the masked leaves, then any a signal or string changed, then gpc when sent. */
export function historyPaths(masked: readonly string[], sources: ReadonlyMap<string, ChangeSourceName>, gpcSent: boolean): string[] {
  const paths = [...masked];
  for (const path of sources.keys()) if (!paths.includes(path)) paths.push(path);
  if (gpcSent) paths.push('gpc');
  return paths;
}
