import { SENSITIVE_CLASSES, type SensitiveClass } from '@signalpath/domain';
import { getTaxonomy, type Taxonomy } from '@signalpath/taxonomy';
import { SENSITIVE_PROXIES } from './proxies';

// The class vocabulary lives in @signalpath/domain; re-exported for this library's users.
export { SENSITIVE_CLASSES, type SensitiveClass };

/**
 * Signalpath's sensitivity policy over the IAB Content Taxonomy 3.1: each entry marks a node and
 * every node below it as revealing one sensitive class. A node's class is that of its nearest
 * listed self-or-ancestor, so a narrower entry refines a broader one.
 *
 * The taxonomy's "SCD" flag is only a starting point: it misses Politics, Judaism, Sikhism,
 * Women's Health and more (listed here), and it flags nodes that reveal none of the eight classes
 * (see SCD_REVIEWED_NOT_SENSITIVE). Sexual orientation, race, ethnic origin and trade-union
 * membership have (almost) no nodes of their own: they are detected in text by signal extraction.
 */
export const SENSITIVE_TOPIC_POLICY: ReadonlyArray<readonly [topicId: string, cls: SensitiveClass, why: string]> = [
  ['286', 'HEALTH', 'Medical Health (Tier 1): every disease, condition, test, drug, surgery, vaccine'],
  ['238', 'HEALTH', "Healthy Living > Women's Health (not SCD-flagged in 3.1)"],
  ['228', 'HEALTH', "Healthy Living > Men's Health"],
  ['230', 'HEALTH', 'Healthy Living > Senior Health'],
  ['224', 'HEALTH', "Healthy Living > Children's Health"],
  ['233', 'HEALTH', 'Healthy Living > Wellness > Alternative Medicine (incl. Herbs and Supplements, Holistic Health)'],
  ['236', 'HEALTH', 'Healthy Living > Wellness > Physical Therapy: implies an injury or condition'],
  ['237', 'HEALTH', 'Healthy Living > Wellness > Smoking Cessation: addiction'],
  ['187', 'HEALTH', 'Family and Relationships > Bereavement (SCD): grief, mental health'],
  ['199', 'HEALTH', 'Parenting > Special Needs Kids: disability'],
  ['136', 'HEALTH', 'Education > Special Education: disability'],
  ['494', 'HEALTH', 'Sports > Disabled Sports: disability'],
  ['453', 'RELIGION', 'Religion & Spirituality (Tier 1), incl. Judaism and Sikhism (not SCD-flagged), Atheism, Agnosticism, Astrology'],
  ['354', 'RELIGION', 'Music > Gospel Music'],
  ['361', 'RELIGION', 'Music > Religious (Music and Audio)'],
  ['386', 'POLITICS', 'Politics (Tier 1), incl. Civic affairs, Elections, Political Issues & Policy (not SCD-flagged)'],
  ['212', 'PHILOSOPHICAL_BELIEFS', 'Food & Drink > Vegan Diets (SCD): ethical veganism is a recognised philosophical belief'],
  ['Z7rJBM', 'POLITICS', 'Sensitive Topics > Debated Sensitive Social Issues'],
  ['8FD8nI', 'POLITICS', 'Sensitive Topics > Terrorism'],
  ['XtODT3', 'POLITICS', 'Sensitive Topics > Crime & Harmful Acts ... & Human Right Violations'],
  ['avbNf2', 'POLITICS', 'Sensitive Topics > Arms & Ammunition (a debated policy issue)'],
  ['HxqYV1', 'RACE', 'Sensitive Topics > Hate Speech and Acts of Aggression'],
  ['pg0WhF', 'HEALTH', 'Sensitive Topics > Illegal Drugs, Tobacco, eCigarettes, Vaping, Alcohol: substance use'],
  ['I4GWl6', 'HEALTH', 'Sensitive Topics > Death, Injury, or Military Conflict'],
  ['Rm3SiT', 'SEXUAL_ORIENTATION', 'Sensitive Topics > Adult & Explicit Sexual Content: sex life'],
];

/**
 * Brand-safety nodes that reveal none of the eight classes but are never used for ads or emitted
 * as signals: the "Sensitive Topics" Tier-1 itself and its unclassified children.
 */
export const RESTRICTED_TOPIC_ROOTS: ReadonlyArray<readonly [topicId: string, why: string]> = [
  ['v9i3On', 'Sensitive Topics (Tier 1)'],
  ['j9PaO9', 'Sensitive Topics > Obscenity and Profanity'],
  ['mm3UXx', 'Sensitive Topics > Online Piracy'],
  ['6i4dB6', 'Sensitive Topics > Spam or Harmful Content'],
];

/**
 * SCD-flagged nodes reviewed and kept as ordinary topics: they reveal none of the eight classes.
 * Every SCD-flagged node is either classified above or listed here (a test enforces it), so a new
 * taxonomy version cannot slip a flagged node through unreviewed.
 */
export const SCD_REVIEWED_NOT_SENSITIVE: ReadonlyArray<readonly [topicId: string, why: string]> = [
  ['135', 'Education > Secondary Education: schooling, none of the eight classes'],
  ['186', 'Family and Relationships (Tier 1): its sensitive parts (Bereavement, Special Needs Kids) are classified'],
  ['197', 'Parenting Children Aged 4-11: none of the eight classes'],
  ['198', 'Parenting Teens: none of the eight classes'],
  ['209', 'Fine Art > Theater'],
  ['KHPC6A', 'Genres > Western'],
  ['277', 'Home & Garden > Smart Home'],
  ['383', 'Law (Tier 1): legal topics are not one of the eight classes'],
  ['406', 'Personal Finance > Credit Cards: financial, not one of the eight classes'],
  ['431', 'Pets > Pet Supplies'],
  ['429', 'Pets > Reptiles'],
  ['451', 'Real Estate > Buying and Selling: financial'],
  ['452', 'Real Estate > Renting and Leasing: financial'],
  ['443', 'Real Estate > Retail Property'],
  ['444', 'Real Estate > Vacation Properties'],
  ['518', 'Sports > Auto Racing'],
];

/** What the policy says about one taxonomy node. */
export interface TopicSensitivity {
  /** The sensitive class the node reveals, if any. */
  sensitiveClass?: SensitiveClass;
  /** Brand-safety node with no class (never used for ads nor emitted as a signal). */
  restricted: boolean;
}

const NOT_SENSITIVE: TopicSensitivity = Object.freeze({ restricted: false });

/** The policy compiled for one taxonomy: O(1) look-ups after a single pass over the nodes. */
export class SensitiveTopicPolicy {
  private readonly byTopic = new Map<string, TopicSensitivity>();

  constructor(private readonly taxonomy: Taxonomy) {
    const classOf = new Map<string, SensitiveClass>();
    for (const [id, cls] of SENSITIVE_TOPIC_POLICY) {
      if (!taxonomy.has(id)) throw new Error(`sensitive-topics: unknown topic ${id} in policy`);
      classOf.set(id, cls);
    }
    // Proxy nodes are their class (invariant 9), from any source.
    for (const proxy of SENSITIVE_PROXIES) {
      for (const id of proxy.topicIds) {
        if (!taxonomy.has(id)) throw new Error(`sensitive-topics: unknown topic ${id} in proxy ${proxy.id}`);
        classOf.set(id, proxy.cls);
      }
    }
    const restrictedRoots = new Set<string>();
    for (const [id] of RESTRICTED_TOPIC_ROOTS) {
      if (!taxonomy.has(id)) throw new Error(`sensitive-topics: unknown topic ${id} in restricted roots`);
      restrictedRoots.add(id);
    }
    for (const node of taxonomy.all()) {
      // Nearest listed self-or-ancestor decides the class; any restricted ancestor restricts.
      let sensitiveClass: SensitiveClass | undefined;
      let restricted = false;
      for (const id of [node.id, ...taxonomy.ancestors(node.id).map((a) => a.id)]) {
        if (sensitiveClass === undefined) sensitiveClass = classOf.get(id);
        if (restrictedRoots.has(id)) restricted = true;
      }
      // A node under "Sensitive Topics" that has a class is sensitive, not merely restricted.
      if (sensitiveClass !== undefined) restricted = false;
      if (sensitiveClass !== undefined || restricted) {
        this.byTopic.set(node.id, Object.freeze({ ...(sensitiveClass ? { sensitiveClass } : {}), restricted }));
      }
    }
  }

  /** The policy's verdict for a node; unknown ids are reported as not sensitive. */
  classify(topicId: string): TopicSensitivity {
    return this.byTopic.get(topicId) ?? NOT_SENSITIVE;
  }

  /** The sensitive class a node reveals (through itself or an ancestor), if any. */
  sensitiveClassOf(topicId: string): SensitiveClass | undefined {
    return this.byTopic.get(topicId)?.sensitiveClass;
  }

  /** True for brand-safety nodes without a class (see RESTRICTED_TOPIC_ROOTS). */
  isRestricted(topicId: string): boolean {
    return this.byTopic.get(topicId)?.restricted ?? false;
  }

  /**
   * True when a node may never target, boost or explain an ad: it reveals a sensitive class or is
   * a restricted brand-safety node. Unknown ids are treated as sensitive (fail closed).
   */
  isNeverForAds(topicId: string): boolean {
    return this.byTopic.has(topicId) || !this.taxonomy.has(topicId);
  }

  /** Every node the policy marks (sensitive or restricted). */
  markedTopicIds(): string[] {
    return [...this.byTopic.keys()];
  }
}

let cached: SensitiveTopicPolicy | undefined;

/** The policy over the IAB Content Taxonomy 3.1, compiled once. */
export function getSensitiveTopicPolicy(): SensitiveTopicPolicy {
  cached ??= new SensitiveTopicPolicy(getTaxonomy());
  return cached;
}

/** `getSensitiveTopicPolicy().sensitiveClassOf(topicId)`. */
export function sensitiveClassOfTopic(topicId: string): SensitiveClass | undefined {
  return getSensitiveTopicPolicy().sensitiveClassOf(topicId);
}

/** `getSensitiveTopicPolicy().isRestricted(topicId)`. */
export function isRestrictedTopic(topicId: string): boolean {
  return getSensitiveTopicPolicy().isRestricted(topicId);
}

/** `getSensitiveTopicPolicy().isNeverForAds(topicId)`. */
export function isNeverForAds(topicId: string): boolean {
  return getSensitiveTopicPolicy().isNeverForAds(topicId);
}
