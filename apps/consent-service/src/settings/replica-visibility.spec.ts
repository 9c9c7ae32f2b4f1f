import { DEFAULT_POLICY } from '@signalpath/consent-policy';
import { defaultSettings, type SettingsDoc } from '../store/documents';
import { restrictsUse } from './replica-visibility';

const adultUs: SettingsDoc = { ...defaultSettings('u'), version: 1, region: 'US', age_band: 'ADULT' };
const linked: SettingsDoc = { ...adultUs, linked_accounts: { INSTAGRAM: { account_id: 'ig-1', link_time: new Date(0) } } };
const change = (patch: Partial<SettingsDoc>): SettingsDoc => ({ ...adultUs, ...patch });

describe('restrictsUse: which changes wait until every ConsentService replica answers with them', () => {
  it.each<[string, SettingsDoc, SettingsDoc, boolean]>([
    ['AI-chat ads opt-out', adultUs, change({ ai_chat_ads: 'OPT_OUT' }), true],
    ['AI-chat content opt-out', adultUs, change({ ai_chat_content: 'OPT_OUT' }), true],
    ['cross-app sharing off', adultUs, change({ cross_app_sharing: 'OPT_OUT' }), true],
    ['moving to an excluded region', adultUs, change({ region: 'FR' }), true],
    ['becoming a minor', adultUs, change({ age_band: 'MINOR' }), true],
    ['unlinking', linked, adultUs, true],
    ['linking another account in place', linked, { ...linked, linked_accounts: { INSTAGRAM: { account_id: 'ig-2', link_time: new Date(0) } } }, true],
    ['blocking a topic', adultUs, change({ ad_preferences: { blocked_topic_ids: ['500'], blocked_advertiser_ids: [], see_fewer_topic_ids: [] } }), true],
    ['blocking an advertiser', adultUs, change({ ad_preferences: { blocked_topic_ids: [], blocked_advertiser_ids: ['adv'], see_fewer_topic_ids: [] } }), true],
    ['show less of a topic', adultUs, change({ feed_controls: { non_personalized_feed: false, show_more_topic_ids: [], show_less_topic_ids: ['500'] } }), true],
    ['non-personalized feed on', adultUs, change({ feed_controls: { non_personalized_feed: true, show_more_topic_ids: [], show_less_topic_ids: [] } }), true],
    ['a first region and age band', defaultSettings('u'), adultUs, false],
    ['linking', adultUs, linked, false],
    ['opting in', change({ ai_chat_ads: 'OPT_OUT' }), adultUs, false],
    ['unblocking a topic', change({ ad_preferences: { blocked_topic_ids: ['500'], blocked_advertiser_ids: [], see_fewer_topic_ids: [] } }), adultUs, false],
    ['show more of a topic', adultUs, change({ feed_controls: { non_personalized_feed: false, show_more_topic_ids: ['500'], show_less_topic_ids: [] } }), false],
  ])('%s', (_name, before, after, restricts) => {
    expect(restrictsUse(DEFAULT_POLICY, before, after)).toBe(restricts);
  });
});
