/**
 * Small closed word classes the extractor and the policy reason with. All are surface forms after
 * tokenization (lower case, apostrophes dropped: "don't" → "dont", "I'm" → "im").
 */

/** Voice-transcript fillers: phrases step over them ("climbing um shoes"). */
export const FILLERS: ReadonlySet<string> = new Set(['um', 'umm', 'uh', 'uhh', 'uhm', 'er', 'erm', 'hmm', 'hm', 'mm', 'mhm', 'ah', 'like']);

/** Words that make the following mention negative ("I don't like golf", "I hate golf"). */
export const NEGATION_CUES: ReadonlySet<string> = new Set([
  'not',
  'no',
  'never',
  'nor',
  'neither',
  'dont',
  'doesnt',
  'didnt',
  'cant',
  'cannot',
  'couldnt',
  'wont',
  'wouldnt',
  'isnt',
  'arent',
  'wasnt',
  'werent',
  'havent',
  'hasnt',
  'hadnt',
  'shouldnt',
  'aint',
  'nothing',
  'zero',
  'hate',
  'hates',
  'hated',
  'hating',
  'dislike',
  'dislikes',
  'disliked',
  'detest',
  'detests',
  'loathe',
  'loathes',
  'despise',
  'despises',
  'quit',
  'quitting',
]);

/**
 * A negation cue followed by one of these words does not negate what comes after it:
 * "can't wait to go skiing", "not sure which golf clubs", "never tried surfing".
 */
export const NEGATION_EXEMPT_NEXT: ReadonlyMap<string, ReadonlySet<string>> = new Map<string, ReadonlySet<string>>([
  ['cant', new Set(['wait', 'decide', 'choose', 'believe', 'afford', 'stop', 'get', 'recommend', 'figure', 'find', 'remember', 'pick'])],
  ['cannot', new Set(['wait', 'decide', 'choose', 'believe', 'afford', 'stop', 'recommend', 'figure', 'find', 'pick'])],
  ['couldnt', new Set(['decide', 'choose', 'believe', 'afford', 'stop', 'find', 'figure', 'be'])],
  ['not', new Set(['sure', 'certain', 'only', 'just', 'yet', 'bad', 'until', 'knowing', 'long'])],
  ['no', new Set(['idea', 'clue', 'matter', 'doubt', 'worries', 'problem', 'wonder', 'better'])],
  ['dont', new Set(['know', 'forget', 'miss', 'mind', 'understand', 'remember', 'usually'])],
  ['doesnt', new Set(['know', 'matter', 'mind'])],
  ['didnt', new Set(['know', 'realize', 'expect'])],
  ['never', new Set(['tried', 'been', 'done', 'had', 'seen', 'played', 'learned', 'gone', 'visited', 'miss', 'misses', 'mind', 'gets', 'get', 'thought'])],
  ['havent', new Set(['tried', 'been', 'done', 'had', 'seen', 'played', 'decided', 'gone', 'visited', 'found'])],
  ['wouldnt', new Set(['mind'])],
  ['nothing', new Set(['beats', 'better', 'like', 'compares'])],
  ['zero', new Set(['waste', 'sugar', 'emissions', 'calorie', 'calories', 'percent', 'degrees', 'gravity', 'proof', 'down'])],
]);

/** Words after a mention that make it negative ("golf is boring", "golf sucks"). */
export const POST_NEGATION_CUES: ReadonlySet<string> = new Set([
  'boring',
  'overrated',
  'lame',
  'sucks',
  'suck',
  'awful',
  'terrible',
  'dull',
  'tedious',
  'pointless',
  'worst',
  'gross',
  'disgusting',
  'annoying',
  'bores',
  'bore',
  'stupid',
  'dumb',
  'hate',
]);

/**
 * Words that end a negation's scope before the mention: "I'm not into golf I'm into tennis",
 * "I don't like golf so I play tennis".
 */
export const NEGATION_BREAKERS: ReadonlySet<string> = new Set([
  'but',
  'and',
  'so',
  'because',
  'cause',
  'since',
  'instead',
  'rather',
  'prefer',
  'except',
  'though',
  'although',
  'yet',
  'while',
  'whereas',
  'then',
  'i',
  'im',
  'ive',
  'id',
  'ill',
  'we',
  'my',
  'now',
  'actually',
]);

/** How far back (in tokens, fillers excluded) a negation cue reaches. */
export const NEGATION_WINDOW = 6;

/**
 * Interest or intent (stems): in a message that touches sensitive content, a clause of its own
 * must show one of these for its topics to count ("... but I want climbing shoes"); narrative
 * clauses around sensitive content are dropped with it.
 */
export const INTEREST_STEMS: ReadonlySet<string> = new Set([
  'want',
  'wanna',
  'love',
  'like',
  'enjoy',
  'into',
  'obsess',
  'fan',
  'favorit',
  'favourit',
  'interest',
  'excit',
  'look',
  'search',
  'shop',
  'buy',
  'purchas',
  'order',
  'need',
  'recommend',
  'suggest',
  'idea',
  'tip',
  'advic',
  'help',
  'find',
  'plan',
  'think',
  'consid',
  'learn',
  'tri',
  'start',
  'begin',
  'join',
  'curious',
  'hope',
  'dream',
  'wish',
  'best',
  'good',
  'great',
  'awesom',
  'amaz',
  'fun',
  'cool',
  'how',
  'where',
  'which',
  'what',
  'get',
  'go',
  'pick',
  'upgrad',
  'compar',
  'review',
  'book',
]);

/** Purchase intent (stems): adds the Shopping topic next to the product's own topic. */
export const PURCHASE_STEMS: ReadonlySet<string> = new Set([
  'buy',
  'purchas',
  'shop',
  'order',
  'deal',
  'discount',
  'cheap',
  'cheapest',
  'price',
  'afford',
  'sale',
  'bargain',
  'coupon',
]);

/**
 * Words (surface forms) that tie a clause to a condition mentioned elsewhere in the message
 * ("recipes that are safe", "exercises to manage it", "what can I eat during the fast"): in a
 * message that touches sensitive content, such a clause is dropped with it.
 */
export const CONDITION_CONTEXT: ReadonlySet<string> = new Set([
  'cope', 'coping', 'manage', 'managing', 'recover', 'recovering', 'recovery', 'heal', 'healing',
  'treat', 'treating', 'treatment', 'treatments', 'symptom', 'symptoms', 'flare', 'flares', 'during',
  'after', 'since', 'because', 'due', 'safe', 'safely', 'friendly', 'allowed', 'avoid', 'avoiding',
  'despite', 'ease', 'relief', 'relieve', 'diagnosis', 'diagnosed', 'condition', 'worried', 'worry',
  'scared', 'afraid', 'losing', 'lost', 'loss', 'anymore',
]);

/** Pronouns that, after "for/with/about/...", point back to something said before ("recipes for it"). */
export const ANAPHORA: ReadonlySet<string> = new Set(['it', 'this', 'that', 'them', 'these', 'those', 'which']);
export const ANAPHORA_PREPOSITIONS: ReadonlySet<string> = new Set(['for', 'with', 'about', 'through', 'during', 'despite', 'around', 'against', 'on']);
