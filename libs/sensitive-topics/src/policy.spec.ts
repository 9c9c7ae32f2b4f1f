import { getTaxonomy } from '@signalpath/taxonomy';
import {
  SCD_REVIEWED_NOT_SENSITIVE,
  SENSITIVE_PROXIES,
  SENSITIVE_CLASSES,
  SENSITIVE_TOPIC_POLICY,
  getSensitiveTopicPolicy,
  isNeverForAds,
  isRestrictedTopic,
  sensitiveClassOfTopic,
  sensitiveProxy,
} from './index';

const taxonomy = getTaxonomy();
const byName = (name: string) => {
  const node = taxonomy.findByName(name);
  if (!node) throw new Error(`no node ${name}`);
  return node.id;
};

describe('sensitive topic policy', () => {
  it('marks whole Tier-1 areas with every node below them', () => {
    for (const [tier1, cls] of [
      ['Medical Health', 'HEALTH'],
      ['Religion & Spirituality', 'RELIGION'],
      ['Politics', 'POLITICS'],
    ] as const) {
      const root = byName(tier1);
      expect(sensitiveClassOfTopic(root)).toBe(cls);
      for (const node of taxonomy.descendants(root)) expect(sensitiveClassOfTopic(node.id)).toBe(cls);
    }
    expect(sensitiveClassOfTopic(byName('Diabetes'))).toBe('HEALTH');
    expect(sensitiveClassOfTopic(byName('Elections'))).toBe('POLITICS');
  });

  it('covers what the SCD flag misses', () => {
    expect(sensitiveClassOfTopic(byName('Judaism'))).toBe('RELIGION');
    expect(sensitiveClassOfTopic(byName('Sikhism'))).toBe('RELIGION');
    expect(sensitiveClassOfTopic(byName("Women's Health"))).toBe('HEALTH');
    expect(sensitiveClassOfTopic(byName('Smoking Cessation'))).toBe('HEALTH');
    expect(sensitiveClassOfTopic(byName('Gospel Music'))).toBe('RELIGION');
    expect(sensitiveClassOfTopic(byName('Vegan Diets'))).toBe('PHILOSOPHICAL_BELIEFS');
    expect(sensitiveClassOfTopic(byName('Hate Speech and Acts of Aggression'))).toBe('RACE');
    expect(sensitiveClassOfTopic(byName('Adult & Explicit Sexual Content'))).toBe('SEXUAL_ORIENTATION');
  });

  it("keeps Healthy Living's ordinary parts ordinary and classifies its sensitive ones", () => {
    expect(sensitiveClassOfTopic(byName('Healthy Living'))).toBeUndefined();
    expect(sensitiveClassOfTopic(byName('Fitness and Exercise'))).toBeUndefined();
    expect(sensitiveClassOfTopic(byName('Running and Jogging'))).toBeUndefined();
    expect(sensitiveClassOfTopic(byName("Men's Health"))).toBe('HEALTH');
    expect(sensitiveClassOfTopic(byName('Herbs and Supplements'))).toBe('HEALTH');
  });

  it('restricts the brand-safety part of "Sensitive Topics" without a class', () => {
    const root = byName('Sensitive Topics');
    expect(isRestrictedTopic(root)).toBe(true);
    expect(sensitiveClassOfTopic(root)).toBeUndefined();
    expect(isRestrictedTopic(byName('Online Piracy'))).toBe(true);
    expect(isRestrictedTopic(byName('Terrorism'))).toBe(false);
    expect(sensitiveClassOfTopic(byName('Terrorism'))).toBe('POLITICS');
    for (const id of [root, ...taxonomy.descendants(root).map((node) => node.id)]) expect(isNeverForAds(id)).toBe(true);
  });

  it('leaves ordinary topics alone and fails closed on unknown ids for ads', () => {
    for (const name of ['Climbing', 'Extreme Sports', 'Sports', 'Smart Home', 'Credit Cards', 'Auto Racing', 'Hiking', 'Camping']) {
      const node = taxonomy.findByName(name);
      if (!node) continue;
      expect(sensitiveClassOfTopic(node.id)).toBeUndefined();
      expect(isNeverForAds(node.id)).toBe(false);
    }
    expect(isNeverForAds('not-a-topic')).toBe(true);
    expect(sensitiveClassOfTopic('not-a-topic')).toBeUndefined();
  });

  it('reviews every SCD-flagged node: classified, or listed as reviewed and not sensitive', () => {
    const reviewed = new Set(SCD_REVIEWED_NOT_SENSITIVE.map(([id]) => id));
    const policy = getSensitiveTopicPolicy();
    const unreviewed = taxonomy
      .all()
      .filter((node) => node.scd)
      .filter((node) => policy.classify(node.id).sensitiveClass === undefined && !reviewed.has(node.id))
      .map((node) => `${node.id} ${node.path.join(' > ')}`);
    expect(unreviewed).toEqual([]);
    for (const id of reviewed) expect(taxonomy.get(id)?.scd).toBe(true);
  });

  it('only uses known classes and known topic ids', () => {
    for (const [id, cls] of SENSITIVE_TOPIC_POLICY) {
      expect(taxonomy.has(id)).toBe(true);
      expect(SENSITIVE_CLASSES).toContain(cls);
    }
    expect(getSensitiveTopicPolicy()).toBe(getSensitiveTopicPolicy());
  });
});

describe('sensitive proxies', () => {
  it('are one reviewed list: unique ids, one of the eight classes, a reason, known nodes', () => {
    const ids = SENSITIVE_PROXIES.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of SENSITIVE_PROXIES) {
      expect(SENSITIVE_CLASSES).toContain(p.cls);
      expect(p.why.length).toBeGreaterThan(20);
      for (const id of p.topicIds) expect(getTaxonomy().has(id)).toBe(true);
      // A proxy node is its class, so no source may use it for ads.
      for (const id of p.topicIds) expect([sensitiveClassOfTopic(id), isNeverForAds(id)]).toEqual([p.cls, true]);
    }
    expect(sensitiveProxy('halal-food')?.cls).toBe('RELIGION');
    expect(sensitiveProxy('nope')).toBeUndefined();
  });
});
