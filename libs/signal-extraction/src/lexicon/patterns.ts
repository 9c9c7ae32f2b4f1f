import type { SensitiveClass } from '@signalpath/sensitive-topics';
import { DEMONYMS, KIN, ORIGIN_PLACES, SELF } from './words';

/**
 * Self-identification patterns over word classes, for the classes that have no vocabulary of
 * their own: "I'm Irish", "as a proud Mexican", "my Korean grandmother", "my parents are from
 * Ghana", "I'm Black", "as a white guy", "Asian American". Written as sequences of word classes
 * instead of a cross product of phrases (which would be tens of thousands of phrases).
 */

export type WordClass =
  | 'SELF'
  | 'POSS'
  | 'DEMONYM'
  | 'KIN'
  | 'ORIGIN_SUFFIX'
  | 'FROM_LEAD'
  | 'FROM_VERB'
  | 'BE'
  | 'PLACE'
  | 'RACE_ADJ'
  | 'PERSON'
  | 'MALE_SELF'
  | 'FEMALE_SELF'
  | 'MALE_PARTNER'
  | 'FEMALE_PARTNER';

export const WORD_CLASSES: Readonly<Record<WordClass, readonly string[]>> = {
  SELF: [...SELF, 'i am a', 'im a', 'i am an', 'im an', 'we are a', 'were a', 'being a', 'being an'],
  POSS: ['my', 'our', 'his', 'her', 'their'],
  DEMONYM: DEMONYMS,
  KIN: KIN,
  ORIGIN_SUFFIX: ['heritage', 'descent', 'ancestry', 'roots', 'origin', 'origins', 'background', 'blood', 'ethnicity', 'diaspora',
    'american', 'americans', 'canadian', 'canadians', 'british', 'australian', 'immigrant', 'immigrants', 'born', 'by birth',
    'by blood', 'citizen', 'citizenship', 'passport holder', 'side of the family', 'side of my family', 'community in'],
  FROM_LEAD: ['im from', 'i m from', 'i am from', 'were from', 'we are from', 'originally from', 'i come from', 'we come from',
    'born in', 'raised in', 'grew up in', 'immigrated from', 'emigrated from', 'moved here from', 'came here from', 'came over from',
    'fled', 'fled from', 'hails from', 'descended from', 'roots in', 'roots are in', 'family is from', 'family was from',
    'family came from', 'family comes from', 'parents are from', 'parents were from', 'parents came from', 'grandparents are from',
    'grandparents were from', 'grandparents came from', 'ancestors came from', 'ancestors were from', 'mom is from', 'dad is from',
    'mother is from', 'father is from', 'mum is from', 'heritage is from', 'descent from'],
  FROM_VERB: ['is from', 'are from', 'was from', 'were from', 'came from', 'come from', 'comes from', 'immigrated from',
    'emigrated from', 'moved here from', 'moved from', 'is originally from', 'are originally from', 'fled', 'was born in',
    'were born in', 'grew up in', 'were raised in', 'was raised in'],
  BE: ['is', 'are', 'was', 'were', 's', 'been', 'is all', 'are all', 'was all', 'are both', 'were both'],
  PLACE: ORIGIN_PLACES,
  RACE_ADJ: ['black', 'white', 'asian', 'brown', 'caucasian', 'biracial', 'mixed', 'afro'],
  PERSON: ['man', 'woman', 'men', 'women', 'person', 'people', 'guy', 'guys', 'girl', 'girls', 'boy', 'boys', 'kid', 'kids', 'son',
    'daughter', 'family', 'families', 'community', 'folks', 'americans', 'owned', 'student', 'students', 'mom', 'mum', 'dad', 'parent',
    'parents', 'lady', 'ladies', 'dude', 'father', 'mother', 'wife', 'husband', 'child', 'children', 'friend', 'friends', 'coworker',
    'coworkers', 'neighbor', 'neighbors', 'neighbours', 'boyfriend', 'girlfriend', 'partner', 'teen', 'teens', 'male', 'female',
    'americans', 'british', 'professional', 'professionals', 'employee', 'employees', 'household', 'neighborhood', 'patients'],
  MALE_SELF: ['as a guy', 'as a man', 'im a guy', 'im a man', 'i am a man', 'i am a guy', 'im a dude', 'as a dude', 'im male', 'i am male',
    'as a male', 'being a guy'],
  FEMALE_SELF: ['as a woman', 'im a woman', 'i am a woman', 'as a girl', 'im a girl', 'as a female', 'im female', 'i am female', 'as a lady',
    'being a woman'],
  MALE_PARTNER: ['my husband', 'my boyfriend', 'my bf', 'my hubby', 'my fiance'],
  FEMALE_PARTNER: ['my wife', 'my girlfriend', 'my gf', 'my wifey', 'my fiancee'],
};

/** Tokens that may sit inside a pattern: "I'm half Irish", "as a proud Mexican", "my late Irish grandmother". */
export const PATTERN_GAPS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'half', 'part', 'partly', 'mostly', 'fully', 'proudly', 'proud', 'also', 'both', 'really', 'very', 'so', 'quarter',
  'full', 'pure', 'first', 'second', 'third', 'gen', 'generation', 'late', 'dear', 'whole', 'entire', 'own', 'beloved', 'sweet', 'old',
  'young', 'percent', 'like', 'um', 'uh', 'kind', 'of', 'sort', 'originally', 'actually', 'too',
]);

/**
 * Words right after a nationality or colour word that show it is not about a person's origin or
 * race: "as an English teacher", "I'm a Mexican food fan", "as a white wine lover".
 */
export const NOT_A_PERSON_NEXT: ReadonlySet<string> = new Set([
  'teacher', 'teachers', 'tutor', 'tutors', 'major', 'majors', 'class', 'classes', 'course', 'courses', 'food', 'foods', 'restaurant',
  'restaurants', 'cuisine', 'cooking', 'cook', 'literature', 'lit', 'history', 'language', 'translator', 'translation', 'lessons',
  'lesson', 'grammar', 'degree', 'test', 'exam', 'speaker', 'speakers', 'fan', 'fans', 'movie', 'movies', 'film', 'films', 'music',
  'song', 'songs', 'tv', 'show', 'shows', 'drama', 'dramas', 'novel', 'novels', 'wine', 'wines', 'beer', 'car', 'cars', 'style',
  'design', 'breakfast', 'tea', 'coffee', 'bulldog', 'shepherd', 'terrier', 'setter', 'chef', 'recipe', 'recipes', 'dish', 'dishes',
  'bakery', 'pastry', 'market', 'club', 'team', 'league', 'open', 'cup', 'grand', 'express', 'airlines', 'football', 'idol', 'dream',
  'chocolate', 'belt', 'friday', 'tie', 'sabbath', 'sand', 'water', 'noise', 'board', 'house', 'collar', 'martial', 'bread', 'rice',
  'sugar', 'paint', 'dress', 'shirt', 'jeans', 'hair', 'cat', 'dog', 'horse', 'label', 'version', 'edition', 'subtitles', 'dub',
  'keyboard', 'accent', 'spelling', 'settings', 'citizenship', 'lager', 'ale', 'stout', 'whiskey', 'whisky', 'vodka', 'mule',
]);

export interface PatternRule {
  readonly classes: readonly SensitiveClass[];
  readonly sequence: readonly WordClass[];
  /** Whether the token right after the match may not be in NOT_A_PERSON_NEXT. */
  readonly checkNext?: boolean;
}

export const PATTERN_RULES: readonly PatternRule[] = [
  { classes: ['ETHNIC_ORIGIN'], sequence: ['SELF', 'DEMONYM'], checkNext: true },
  { classes: ['ETHNIC_ORIGIN'], sequence: ['POSS', 'DEMONYM', 'KIN'] },
  { classes: ['ETHNIC_ORIGIN'], sequence: ['DEMONYM', 'ORIGIN_SUFFIX'] },
  { classes: ['ETHNIC_ORIGIN'], sequence: ['FROM_LEAD', 'PLACE'] },
  { classes: ['ETHNIC_ORIGIN'], sequence: ['POSS', 'KIN', 'FROM_VERB', 'PLACE'] },
  { classes: ['ETHNIC_ORIGIN'], sequence: ['POSS', 'KIN', 'BE', 'DEMONYM'], checkNext: true },
  { classes: ['RACE'], sequence: ['POSS', 'KIN', 'BE', 'RACE_ADJ'], checkNext: true },
  { classes: ['RACE'], sequence: ['SELF', 'RACE_ADJ'], checkNext: true },
  { classes: ['RACE'], sequence: ['RACE_ADJ', 'PERSON'] },
  { classes: ['RACE'], sequence: ['POSS', 'RACE_ADJ', 'KIN'] },
];

/** Message-level pairs: "as a guy ... my husband" reveals orientation; either alone does not. */
export const CO_OCCURRENCE_RULES: ReadonlyArray<{ classes: readonly SensitiveClass[]; all: readonly WordClass[] }> = [
  { classes: ['SEXUAL_ORIENTATION'], all: ['MALE_SELF', 'MALE_PARTNER'] },
  { classes: ['SEXUAL_ORIENTATION'], all: ['FEMALE_SELF', 'FEMALE_PARTNER'] },
];
