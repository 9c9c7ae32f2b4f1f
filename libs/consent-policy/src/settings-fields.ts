/**
 * The writable settings fields as update-mask paths, and the field-by-field diff the settings
 * history records.
 */

/** Every writable leaf, as a proto field path. A repeated field is replaced as a whole. */
export const SETTINGS_LEAF_PATHS = [
  'ai_chat_ads',
  'ai_chat_content',
  'cross_app_sharing',
  'ad_preferences.blocked_topic_ids',
  'ad_preferences.blocked_advertiser_ids',
  'ad_preferences.see_fewer_topic_ids',
  'feed_controls.non_personalized_feed',
  'feed_controls.show_more_topic_ids',
  'feed_controls.show_less_topic_ids',
  'region',
  'age_band',
] as const;

export type SettingsLeafPath = (typeof SETTINGS_LEAF_PATHS)[number];

/**
 * Message-valued paths that stand for all of their leaves. A Map, not an object literal: paths come
 * from the caller, and `GROUPS["constructor"]` on an object would find Object.prototype's.
 */
const GROUPS: ReadonlyMap<string, readonly SettingsLeafPath[]> = new Map([
  ['ad_preferences', ['ad_preferences.blocked_topic_ids', 'ad_preferences.blocked_advertiser_ids', 'ad_preferences.see_fewer_topic_ids']],
  ['feed_controls', ['feed_controls.non_personalized_feed', 'feed_controls.show_more_topic_ids', 'feed_controls.show_less_topic_ids']],
] as const);

// gpc is set through UpdateSettingsRequest.gpc (a signal that comes with a request), never through the mask.
const OUTPUT_ONLY = new Set(['user_id', 'effective', 'linked_accounts', 'version', 'update_time', 'gpc']);
const LEAVES = new Set<string>(SETTINGS_LEAF_PATHS);

export type MaskResolution = { ok: true; paths: SettingsLeafPath[] } | { ok: false; index: number; problem: string };

/**
 * Resolves update-mask paths to leaves, in canonical order and without duplicates. An empty mask,
 * an unknown path or an output-only path is an error naming the offending entry.
 */
export function resolveUpdateMask(paths: readonly string[]): MaskResolution {
  if (paths.length === 0) return { ok: false, index: -1, problem: 'must name at least one field' };
  const chosen = new Set<SettingsLeafPath>();
  for (const [index, path] of paths.entries()) {
    const root = path.split('.')[0];
    if (OUTPUT_ONLY.has(root)) return { ok: false, index, problem: `${quote(path)} is output only` };
    const group = GROUPS.get(path);
    if (LEAVES.has(path)) chosen.add(path as SettingsLeafPath);
    else if (group) group.forEach((leaf) => chosen.add(leaf));
    else return { ok: false, index, problem: `unknown field path ${quote(path)}` };
  }
  return { ok: true, paths: SETTINGS_LEAF_PATHS.filter((leaf) => chosen.has(leaf)) };
}

/**
 * A caller's path for an error message: at most 64 characters, and everything outside printable
 * ASCII escaped (\u202e), so a control or bidi character never reaches a message or a log line.
 */
function quote(path: string): string {
  const shown = path.length > 64 ? `${path.slice(0, 64)}...` : path;
  return JSON.stringify(shown).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One changed field with its old and new value as JSON text. */
export interface FieldDiff {
  path: string;
  oldJson: string;
  newJson: string;
}

/**
 * The fields among `paths` whose JSON value differs between `before` and `after`, in the order of
 * `paths`. Values must be plain JSON data (objects with a fixed key order, arrays, scalars).
 */
export function diffFields(paths: readonly string[], before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  for (const path of paths) {
    const oldJson = JSON.stringify(before[path] ?? null);
    const newJson = JSON.stringify(after[path] ?? null);
    if (oldJson !== newJson) diffs.push({ path, oldJson, newJson });
  }
  return diffs;
}
