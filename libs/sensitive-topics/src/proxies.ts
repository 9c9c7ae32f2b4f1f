import type { SensitiveClass } from './policy';

/**
 * Sensitive proxies (issue 14 §3): things that are not one of the eight classes on their face
 * but reveal one — kosher or halal food, diabetic or orthopaedic products, LGBTQ travel,
 * afro-textured hair care, goods for a religious holiday. One reviewed list: a proxy is treated
 * as its class everywhere (privacy invariant 9), so it is never ads-eligible from any signal
 * source.
 *
 * - In text: each language's lexicon lists phrases for a proxy by its id
 *   (lexicon/<lang>/sensitive.tsv, target "proxy:<id>"); the class comes from here, so a
 *   language helper adds words, never decides a class.
 * - As topics: `topicIds` are taxonomy nodes that are themselves proxies; the policy marks them
 *   with the class, so RecordActivity (page likes, follows) and every other source treat them
 *   as sensitive too. IAB 3.1 has no node for any proxy below beyond those the policy already
 *   classifies (Vegan Diets, Diabetes under Medical Health), so the lists are empty today.
 */
export interface SensitiveProxy {
  /** Stable id, referenced from lexicon files as "proxy:<id>". */
  readonly id: string;
  readonly cls: SensitiveClass;
  /** Why it reveals the class (the review record). */
  readonly why: string;
  /** Taxonomy nodes that are this proxy (never ads-eligible, from any source). */
  readonly topicIds: readonly string[];
}

export const SENSITIVE_PROXIES: readonly SensitiveProxy[] = [
  { id: 'kosher-food', cls: 'RELIGION', why: 'keeping kosher (kosher food, restaurants, butchers, kashrut) is Jewish religious practice', topicIds: [] },
  { id: 'halal-food', cls: 'RELIGION', why: 'eating halal (halal food, restaurants, certification) is Muslim religious practice', topicIds: [] },
  { id: 'religious-fasting', cls: 'RELIGION', why: 'fasts and prayer times (Ramadan, sehri/iftar, Lent, Ekadashi, Navratri, Yom Kippur) reveal the faith observed', topicIds: [] },
  { id: 'religious-holiday-goods', cls: 'RELIGION', why: 'goods for a religious holiday (Eid, Diwali, Hanukkah, Passover, Navratri, Vesak) reveal the faith observed', topicIds: [] },
  { id: 'religious-dress', cls: 'RELIGION', why: 'religious dress and objects (hijab, kippah, dastar, burkini for modesty, rosary, prayer mat) reveal the faith', topicIds: [] },
  { id: 'place-of-worship-nearby', cls: 'RELIGION', why: 'wanting to be near a gurdwara, mosque, temple, synagogue or church to worship reveals the faith', topicIds: [] },
  { id: 'diabetic-products', cls: 'HEALTH', why: 'diabetic socks, shoes and snacks, glucose meters, test strips, insulin pumps and pens reveal diabetes', topicIds: [] },
  { id: 'orthopaedic-products', cls: 'HEALTH', why: 'orthopaedic shoes, insoles, mattresses and braces reveal a musculoskeletal condition', topicIds: [] },
  { id: 'medical-devices', cls: 'HEALTH', why: 'CPAP machines, hearing aids, ostomy supplies, blood-pressure monitors, mobility aids reveal a condition', topicIds: [] },
  { id: 'lgbtq-travel', cls: 'SEXUAL_ORIENTATION', why: 'gay-friendly or LGBTQ travel, resorts, cruises and bars reveal orientation', topicIds: [] },
  { id: 'gender-affirming-products', cls: 'SEXUAL_ORIENTATION', why: 'chest binders, packers, tucking underwear reveal gender identity (reported as the nearest class)', topicIds: [] },
  { id: 'afro-textured-hair-care', cls: 'RACE', why: 'care for afro-textured hair (4c / type 4 hair, box braids, locs, silk bonnets) reveals race', topicIds: [] },
  { id: 'skin-tone-cosmetics', cls: 'RACE', why: 'cosmetics chosen for skin colour (no white cast on dark skin, fairness creams) reveal race', topicIds: [] },
  { id: 'caste-community', cls: 'ETHNIC_ORIGIN', why: 'caste or community matrimony and surname-based community reveal ethnic origin', topicIds: [] },
  { id: 'campaign-activity', cls: 'POLITICS', why: 'canvassing, phone banking, campaign merchandise for a party or candidate reveal political opinion', topicIds: [] },
  { id: 'strike-support', cls: 'TRADE_UNION', why: 'strike funds, strike pay, picket-line supplies reveal union membership', topicIds: [] },
];

const BY_ID = new Map(SENSITIVE_PROXIES.map((p) => [p.id, p]));

/** The proxy with this id, if the reviewed list has it. */
export function sensitiveProxy(id: string): SensitiveProxy | undefined {
  return BY_ID.get(id);
}
