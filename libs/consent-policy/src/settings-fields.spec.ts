import { diffFields, resolveUpdateMask, SETTINGS_LEAF_PATHS } from './settings-fields';

describe('resolveUpdateMask', () => {
  it('expands message paths to their leaves, in canonical order, without duplicates', () => {
    expect(resolveUpdateMask(['region', 'ad_preferences', 'ad_preferences.blocked_topic_ids', 'ai_chat_ads'])).toEqual({
      ok: true,
      paths: ['ai_chat_ads', 'ad_preferences.blocked_topic_ids', 'ad_preferences.blocked_advertiser_ids', 'ad_preferences.see_fewer_topic_ids', 'region'],
    });
    expect(resolveUpdateMask(['feed_controls'])).toEqual({
      ok: true,
      paths: ['feed_controls.non_personalized_feed', 'feed_controls.show_more_topic_ids', 'feed_controls.show_less_topic_ids'],
    });
    expect(resolveUpdateMask([...SETTINGS_LEAF_PATHS])).toEqual({ ok: true, paths: [...SETTINGS_LEAF_PATHS] });
  });

  it('rejects an empty mask, unknown paths and output-only paths, naming the entry', () => {
    expect(resolveUpdateMask([])).toMatchObject({ ok: false, index: -1 });
    expect(resolveUpdateMask(['region', 'regions'])).toMatchObject({ ok: false, index: 1, problem: 'unknown field path "regions"' });
    expect(resolveUpdateMask(['aiChatAds'])).toMatchObject({ ok: false, index: 0 });
    expect(resolveUpdateMask(['ad_preferences.nope'])).toMatchObject({ ok: false, index: 0 });
    for (const path of ['user_id', 'version', 'update_time', 'linked_accounts', 'effective', 'effective.ai_chat_ads_enabled']) {
      expect(resolveUpdateMask([path])).toMatchObject({ ok: false, index: 0, problem: `"${path}" is output only` });
    }
  });
});

describe('resolveUpdateMask with paths named like Object.prototype members', () => {
  it('refuses each as an unknown path instead of reading the prototype (which threw a TypeError: INTERNAL)', () => {
    for (const path of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'ad_preferences.__proto__', 'feed_controls.constructor']) {
      expect(resolveUpdateMask(['region', path])).toEqual({ ok: false, index: 1, problem: `unknown field path "${path}"` });
    }
  });

  it('never echoes control or bidi characters, nor more than 64 characters of a path', () => {
    const result = resolveUpdateMask(['region\u202e\u0000\u2028x']);
    expect(result).toEqual({ ok: false, index: 0, problem: 'unknown field path "region\\u202e\\u0000\\u2028x"' });
    const long = resolveUpdateMask(['p'.repeat(5_000)]);
    expect(long.ok === false && long.problem.length).toBeLessThan(100);
  });
});

describe('diffFields', () => {
  it('lists only the fields whose JSON value changed, with old and new JSON', () => {
    const before = { region: 'US', age_band: 'AGE_BAND_ADULT', 'ad_preferences.blocked_topic_ids': ['1'] };
    const after = { region: 'DE', age_band: 'AGE_BAND_ADULT', 'ad_preferences.blocked_topic_ids': ['1', '2'] };
    expect(diffFields(['region', 'age_band', 'ad_preferences.blocked_topic_ids'], before, after)).toEqual([
      { path: 'region', oldJson: '"US"', newJson: '"DE"' },
      { path: 'ad_preferences.blocked_topic_ids', oldJson: '["1"]', newJson: '["1","2"]' },
    ]);
    expect(diffFields(['region'], before, before)).toEqual([]);
  });
});
