import { topicName } from './topics';
import type { AppliedControl, FilterReason, ItemKind, NotPersonalizedReason, RankingReason, SourceKind, Surface } from './types';

const SURFACE_NAMES: Record<Surface, string> = {
  FACEBOOK: 'Facebook',
  INSTAGRAM: 'Instagram',
  MESSENGER: 'Messenger',
  WHATSAPP: 'WhatsApp',
};

const KIND_NOUNS: Record<ItemKind, string> = { AD: 'ad', POST: 'post', REEL: 'reel', GROUP: 'group' };

/** What the user did, as a verb phrase completing "You …". */
function activity(sourceKind: SourceKind, topic: string, surface: Surface): string {
  const on = SURFACE_NAMES[surface];
  switch (sourceKind) {
    case 'AI_CHAT':
      return `asked the assistant about ${topic} on ${on}`;
    case 'PAGE_LIKE':
      return `liked a page about ${topic} on ${on}`;
    case 'FOLLOW':
      return `follow an account about ${topic} on ${on}`;
    case 'GROUP_JOIN':
      return `joined a group about ${topic} on ${on}`;
    default:
      return `showed interest in ${topic} on ${on}`;
  }
}

export interface ExplanationInput {
  kind: ItemKind;
  surface: Surface;
  filterReason?: FilterReason;
  /** For BLOCKED_TOPIC: the topic the user blocked. */
  blockedTopicId?: string;
  personalized: boolean;
  notPersonalizedReason?: NotPersonalizedReason;
  reasons: readonly RankingReason[];
  controls: readonly AppliedControl[];
  /** An ad about a sensitive topic: never personalized, and the sentence names no interest. */
  sensitiveTopic?: boolean;
}

/**
 * "Why am I seeing this", as a sentence a person can read, built only from the structured
 * reasons (taxonomy names, surfaces, source kinds) — never from anything the user wrote.
 * E.g. "You asked the assistant about Climbing on Messenger."
 */
export function explanationSentence(input: ExplanationInput): string {
  const noun = KIND_NOUNS[input.kind];
  const on = SURFACE_NAMES[input.surface];
  if (input.filterReason) return filteredSentence(input, noun, on);

  let sentence: string;
  if (input.sensitiveTopic) {
    // Neither the topic nor any interest is named: the sentence must not say what the person may be.
    sentence = `Ads about sensitive topics are never based on your activity, so this ad is shown because it is popular on ${on}.`;
  } else if (input.personalized && input.reasons.length > 0) {
    const clauses: string[] = [];
    const otherSurfaces: Surface[] = [];
    for (const reason of input.reasons) {
      const clause = activity(reason.sourceKind, topicName(reason.topicId), reason.surface);
      if (clauses.includes(clause)) continue;
      clauses.push(clause);
      if (reason.surface !== input.surface && !otherSurfaces.includes(reason.surface)) otherSurfaces.push(reason.surface);
      if (clauses.length === 2) break;
    }
    sentence = `You ${clauses.join(', and you ')}`;
    const first = input.reasons[0];
    // A partial match: the interest is in a broader topic than the item's.
    if (first.itemTopicId !== first.topicId) sentence += `, and this ${noun} is about ${topicName(first.itemTopicId)}`;
    sentence += '.';
    // Activity from another app is used only because the accounts are linked: say so, and where to change it.
    if (otherSurfaces.length > 0) sentence += ` ${linkedSentence(otherSurfaces, input.surface)}`;
  } else {
    sentence = notPersonalizedSentence(input, noun, on);
  }
  for (const control of input.controls) sentence += ` ${controlSentence(control, input.kind)}`;
  return sentence;
}

/** "Your Messenger and Instagram accounts are linked in Accounts Center; change this in settings." */
function linkedSentence(sources: readonly Surface[], shownOn: Surface): string {
  const names = [...sources, shownOn].map((surface) => SURFACE_NAMES[surface]);
  const list = names.length === 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `Your ${list} accounts are linked in Accounts Center; change this in settings.`;
}

const purposeWords = (kind: ItemKind): string => (kind === 'AD' ? 'ads' : 'what you see');

function notPersonalizedSentence(input: ExplanationInput, noun: string, on: string): string {
  switch (input.notPersonalizedReason) {
    case 'NON_PERSONALIZED_FEED':
      return `You chose a feed that isn't personalized, so this ${noun} is shown because it is popular on ${on}, not because of your activity.`;
    case 'MINOR':
      return `Ads are never personalized for minors, so this ad is shown because it is popular on ${on}, not because of your activity.`;
    case 'AGE_UNKNOWN':
      return `Ads are personalized only when we know you are an adult, so this ad is shown because it is popular on ${on}.`;
    case 'REGION_UNKNOWN':
      return `We don't know your region, so your activity isn't used to personalize ${purposeWords(input.kind)}; this ${noun} is shown because it is popular on ${on}.`;
    case 'REGION_EXCLUDED':
      return `In your region your chats with the assistant are used only if you turn this on in settings, so this ${noun} is shown because it is popular on ${on}.`;
    case 'OPTED_OUT':
      return `You turned off using your chats with the assistant for ${purposeWords(input.kind)}, and nothing else you did matched, so this ${noun} is shown because it is popular on ${on}.`;
    case 'DEGRADED':
      return `Personalization is unavailable right now, so this ${noun} is shown because it is popular on ${on}, not because of your activity.`;
    default:
      return `This ${noun} isn't based on your activity: it is shown because it is popular on ${on}.`;
  }
}

function filteredSentence(input: ExplanationInput, noun: string, on: string): string {
  switch (input.filterReason) {
    case 'NOT_ON_SURFACE':
      return `This ${noun} isn't shown on ${on}.`;
    case 'SENSITIVE_TOPIC':
      return "This ad is about a restricted topic, and ads about restricted topics are never shown, so you won't see it.";
    case 'BLOCKED_ADVERTISER':
      return "You blocked ads from this advertiser, so you won't see this ad.";
    case 'BLOCKED_TOPIC':
      return `You blocked ads about ${input.blockedTopicId ? topicName(input.blockedTopicId) : 'this topic'}, so you won't see this ad.`;
    case 'PREFERENCES_UNAVAILABLE':
      return "Your ad preferences can't be checked right now, so no ads are shown until they can.";
    case 'NOT_INTERESTED':
      return `You said you're not interested in this ${noun}, so you won't see it; you can undo that.`;
    default:
      return `You won't see this ${noun}.`;
  }
}

function controlSentence(control: AppliedControl, kind: ItemKind): string {
  const topic = topicName(control.topicId);
  switch (control.control) {
    case 'SHOW_MORE':
      return `You asked to see more about ${topic}, so it ranks higher.`;
    case 'SHOW_LESS':
      return `You asked to see less about ${topic}, so it ranks lower.`;
    default:
      return `You asked to see fewer ${kind === 'AD' ? 'ads' : 'items'} about ${topic}, so it ranks lower.`;
  }
}

export { SURFACE_NAMES };
