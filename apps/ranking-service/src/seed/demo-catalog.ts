import { common, ranking } from '@signalpath/proto';

/**
 * A demo catalog for local runs (`npm start`): a few hundred posts, reels, groups and ads across
 * many IAB Content Taxonomy 3.1 topics, with a rich climbing corner (groups, reels, posts and
 * climbing-gear ads from several advertisers) so the "talked about climbing on Messenger" story
 * shows end to end, and a few items on sensitive topics so their rules are visible too.
 * Deterministic: the same items, ids and scores on every call.
 */

interface DemoTopic {
  id: string;
  /** How the topic reads in a title. */
  label: string;
  /** Advertisers with ads about the topic (none: no ads). */
  advertisers?: Array<{ id: string; name: string; product: string }>;
  /** More items than the usual handful. */
  featured?: boolean;
  /** Extra topic ids every item of the topic also carries. */
  alsoTopics?: string[];
}

const CLIMBING_GEAR = ['551'];

const TOPICS: DemoTopic[] = [
  {
    id: '500',
    label: 'Rock Climbing',
    featured: true,
    advertisers: [
      { id: 'adv-summit-gear', name: 'Summit Gear', product: 'climbing shoes' },
      { id: 'adv-cragline', name: 'Cragline', product: 'dynamic ropes' },
      { id: 'adv-boulderhaus', name: 'Boulderhaus', product: 'crash pads and chalk' },
    ],
  },
  { id: '498', label: 'Extreme Sports', advertisers: [{ id: 'adv-adrenaline', name: 'Adrenaline Co', product: 'action cameras' }] },
  { id: '505', label: 'Surfing', advertisers: [{ id: 'adv-swell', name: 'Swell Boards', product: 'surfboards' }] },
  { id: '504', label: 'Snowboarding', advertisers: [{ id: 'adv-powder', name: 'Powder Works', product: 'snowboards' }] },
  { id: '531', label: 'Skiing' },
  { id: '499', label: 'Kayaking' },
  { id: '502', label: 'Scuba Diving' },
  { id: '492', label: 'Cycling', advertisers: [{ id: 'adv-spoke', name: 'Spoke & Chain', product: 'road bikes' }] },
  { id: '533', label: 'Soccer', advertisers: [{ id: 'adv-kickoff', name: 'Kickoff Sports', product: 'football boots' }] },
  { id: '547', label: 'Basketball' },
  { id: '539', label: 'Tennis' },
  { id: '227', label: 'Running', advertisers: [{ id: 'adv-stride', name: 'Stride Labs', product: 'running shoes' }] },
  { id: '225', label: 'Fitness', advertisers: [{ id: 'adv-corefit', name: 'CoreFit', product: 'home gym kits' }] },
  { id: '229', label: 'Nutrition' },
  { id: '677', label: 'Camping', advertisers: [{ id: 'adv-summit-gear', name: 'Summit Gear', product: 'tents' }] },
  { id: '665', label: 'Adventure Travel', advertisers: [{ id: 'adv-farhorizons', name: 'Far Horizons', product: 'trekking tours' }] },
  { id: '670', label: 'Road Trips' },
  { id: '668', label: 'Hotels', advertisers: [{ id: 'adv-staywell', name: 'StayWell', product: 'weekend deals' }] },
  { id: '159', label: 'the Outdoors' },
  { id: '216', label: 'Cooking', advertisers: [{ id: 'adv-panandfire', name: 'Pan & Fire', product: 'cast-iron pans' }] },
  { id: '217', label: 'Baking' },
  { id: '215', label: 'Grilling' },
  { id: '214', label: 'World Cuisines' },
  { id: '255', label: 'Photography', advertisers: [{ id: 'adv-lumen', name: 'Lumen Optics', product: 'mirrorless cameras' }] },
  { id: '275', label: 'Gardening' },
  { id: '280', label: 'Home Improvement', advertisers: [{ id: 'adv-toolbox', name: 'Toolbox', product: 'cordless drills' }] },
  { id: '283', label: 'Interior Decorating' },
  { id: '257', label: 'Woodworking' },
  { id: '270', label: 'Board Games' },
  { id: '681', label: 'Console Games', advertisers: [{ id: 'adv-pixelforge', name: 'PixelForge', product: 'controllers' }] },
  { id: '684', label: 'PC Gaming' },
  { id: '682', label: 'eSports' },
  { id: '324', label: 'Movies' },
  { id: '640', label: 'TV Series' },
  { id: '363', label: 'Rock Music' },
  { id: '357', label: 'Jazz' },
  { id: '48', label: 'Fiction', advertisers: [{ id: 'adv-pageturner', name: 'PageTurner', product: 'e-readers' }] },
  { id: '652', label: 'Science Fiction' },
  { id: '425', label: 'Dogs', advertisers: [{ id: 'adv-goodboy', name: 'Good Boy Supply', product: 'dog food' }] },
  { id: '424', label: 'Cats' },
  { id: '577', label: 'Fashion', advertisers: [{ id: 'adv-threadline', name: 'Threadline', product: 'spring collection' }] },
  { id: '635', label: 'Smartphones', advertisers: [{ id: 'adv-nimbus', name: 'Nimbus Mobile', product: 'phones' }] },
  { id: '597', label: 'Artificial Intelligence' },
  { id: '410', label: 'Investing', advertisers: [{ id: 'adv-ledger', name: 'Ledger Invest', product: 'index funds' }] },
  { id: '27', label: 'Motorcycles' },
  { id: '196', label: 'Parenting Toddlers' },
  { id: '165', label: 'Weddings' },
  // Sensitive topics: content about them may be ranked for content; ads about them never are.
  { id: '459', label: 'Christianity' },
  { id: '301', label: 'Mental Health', advertisers: [{ id: 'adv-calmclinic', name: 'Calm Clinic', product: 'therapy sessions' }] },
  { id: '387', label: 'Elections' },
  { id: '238', label: "Women's Health", advertisers: [{ id: 'adv-herwell', name: 'HerWell', product: 'supplements' }] },
];

const POST_TITLES = ['5 beginner tips for {t}', 'What I learned from a year of {t}', 'The best {t} spots this season', '{t}: common mistakes to avoid', 'A weekend of {t}', 'Ask me anything about {t}'];
const REEL_TITLES = ['{t} in 30 seconds', 'Watch this {t} fail', 'Slow-motion {t}', 'Pro {t} moves', '{t} day in the life'];
const GROUP_TITLES = ['{t} Enthusiasts', '{t} Beginners Club', 'Local {t} Meetups', '{t} Gear Swap'];
const CLIMBING_GROUPS = ['Bouldering Buddies', 'Indoor Climbing Gym Crew', 'Trad Climbing Partners', 'Climbing Beginners Club', 'Crag Cleanup Volunteers', 'Women Who Climb'];
const CLIMBING_REELS = ['First V5 send!', 'Lead fall practice', 'Crack climbing technique', 'Dyno compilation', 'Sunrise multipitch', 'How to tie a figure-eight', 'Heel hook tutorial', 'Sport climbing in Kalymnos'];

/** mulberry32: a tiny deterministic PRNG, so the catalog is the same on every start. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EPOCH = Date.UTC(2026, 0, 1);
const { SURFACE_FACEBOOK: FB, SURFACE_INSTAGRAM: IG, SURFACE_MESSENGER: MSG } = common.Surface;

/** The demo catalog's items, ready for UpsertItems. */
export function demoCatalog(): ranking.Item[] {
  const random = prng(20251216);
  const items: ranking.Item[] = [];
  const score = (boost = 0) => Math.round((5 + random() * 90 + boost) * 10) / 10;
  const add = (item: Omit<ranking.Item, 'createTime'>) => {
    items.push({ ...item, createTime: new Date(EPOCH - items.length * 3_600_000) });
  };
  const fill = (template: string, label: string) => template.replace('{t}', label);

  for (const topic of TOPICS) {
    const topicIds = [topic.id, ...(topic.alsoTopics ?? [])];
    const posts = topic.featured ? 6 : 3;
    for (let i = 0; i < posts; i++) {
      add({ itemId: `post-${topic.id}-${i + 1}`, kind: ranking.ItemKind.ITEM_KIND_POST, title: fill(POST_TITLES[i % POST_TITLES.length], topic.label), topicIds, advertiserId: '', surfaces: [], baseScore: score() });
    }
    const reels = topic.featured ? CLIMBING_REELS : REEL_TITLES.slice(0, 2);
    reels.forEach((template, i) => {
      add({ itemId: `reel-${topic.id}-${i + 1}`, kind: ranking.ItemKind.ITEM_KIND_REEL, title: fill(template, topic.label), topicIds, advertiserId: '', surfaces: [IG, FB], baseScore: score(topic.featured ? 5 : 0) });
    });
    const groups = topic.featured ? CLIMBING_GROUPS : [GROUP_TITLES[Math.floor(random() * GROUP_TITLES.length)]];
    groups.forEach((template, i) => {
      add({ itemId: `group-${topic.id}-${i + 1}`, kind: ranking.ItemKind.ITEM_KIND_GROUP, title: fill(template, topic.label), topicIds, advertiserId: '', surfaces: [], baseScore: score() });
    });
    for (const advertiser of topic.advertisers ?? []) {
      const adTopics = topic.featured ? [...topicIds, ...CLIMBING_GEAR] : topicIds;
      const count = topic.featured ? 3 : 1;
      for (let i = 0; i < count; i++) {
        add({
          itemId: `ad-${advertiser.id.replace(/^adv-/, '')}-${topic.id}-${i + 1}`,
          kind: ranking.ItemKind.ITEM_KIND_AD,
          title: `${advertiser.name}: ${advertiser.product}${count > 1 ? ` (${['new season', 'sale', 'bestsellers'][i]})` : ''}`,
          topicIds: adTopics,
          advertiserId: advertiser.id,
          surfaces: i % 2 === 0 ? [] : [FB, IG, MSG],
          baseScore: score(),
        });
      }
    }
  }
  return items;
}
