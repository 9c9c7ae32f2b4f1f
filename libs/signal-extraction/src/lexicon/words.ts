/**
 * Shared word lists the lexicon is built from. Nationality and ethnic adjectives serve two
 * opposite purposes: "Mexican food" is an ordinary cuisine topic, while "I'm Mexican" or "my
 * Mexican grandmother" reveals ethnic origin (see sensitive-cues.ts for the patterns).
 */

/** Nationality / ethnic / regional-origin adjectives (lower case). */
export const DEMONYMS: readonly string[] = [
  'irish', 'italian', 'mexican', 'chinese', 'japanese', 'korean', 'indian', 'pakistani', 'bangladeshi',
  'filipino', 'filipina', 'vietnamese', 'thai', 'cambodian', 'laotian', 'hmong', 'burmese', 'indonesian',
  'malaysian', 'taiwanese', 'cantonese', 'tibetan', 'mongolian', 'nepali', 'nepalese', 'sri lankan',
  'tamil', 'punjabi', 'gujarati', 'bengali', 'afghan', 'iranian', 'persian', 'iraqi', 'syrian',
  'lebanese', 'palestinian', 'israeli', 'jordanian', 'yemeni', 'saudi', 'emirati', 'egyptian',
  'moroccan', 'algerian', 'tunisian', 'libyan', 'sudanese', 'somali', 'ethiopian', 'eritrean', 'kenyan',
  'ugandan', 'tanzanian', 'rwandan', 'congolese', 'nigerian', 'ghanaian', 'senegalese', 'cameroonian',
  'ivorian', 'malian', 'zimbabwean', 'zambian', 'south african', 'angolan', 'jamaican', 'haitian',
  'trinidadian', 'barbadian', 'bajan', 'dominican', 'cuban', 'puerto rican', 'salvadoran',
  'salvadorean', 'guatemalan', 'honduran', 'nicaraguan', 'costa rican', 'panamanian', 'colombian',
  'venezuelan', 'ecuadorian', 'peruvian', 'bolivian', 'chilean', 'argentinian', 'argentine',
  'uruguayan', 'paraguayan', 'brazilian', 'polish', 'german', 'french', 'greek', 'russian', 'ukrainian',
  'belarusian', 'armenian', 'georgian', 'azerbaijani', 'turkish', 'kurdish', 'albanian', 'serbian',
  'croatian', 'bosnian', 'slovenian', 'slovak', 'czech', 'hungarian', 'romanian', 'bulgarian',
  'macedonian', 'lithuanian', 'latvian', 'estonian', 'finnish', 'swedish', 'norwegian', 'danish',
  'icelandic', 'dutch', 'flemish', 'belgian', 'swiss', 'austrian', 'portuguese', 'spanish', 'catalan',
  'basque', 'scottish', 'welsh', 'english', 'british', 'cornish', 'sicilian', 'maltese', 'cypriot',
  'scandinavian', 'slavic', 'celtic', 'gaelic', 'arab', 'arabic', 'african', 'asian', 'european',
  'caribbean', 'west indian', 'latin american', 'south asian', 'east asian', 'southeast asian',
  'middle eastern', 'pacific islander', 'polynesian', 'samoan', 'tongan', 'fijian', 'maori',
  'hawaiian', 'native hawaiian', 'aboriginal', 'cherokee', 'navajo', 'lakota', 'sioux', 'ojibwe',
  'apache', 'cree', 'inuit', 'metis', 'creole', 'cajun', 'gullah', 'roma', 'romani', 'ashkenazi',
  'sephardic', 'mizrahi', 'canadian', 'american', 'australian', 'new zealander',
  'chicano', 'chicana', 'tejano', 'boricua', 'desi', 'afro latino', 'afro latina', 'afro caribbean',
];

/** Countries and regions people come from (for "my family is from X", "my roots are in X"). */
export const ORIGIN_PLACES: readonly string[] = [
  'ireland', 'italy', 'mexico', 'china', 'japan', 'korea', 'south korea', 'india', 'pakistan', 'bangladesh',
  'the philippines', 'philippines', 'vietnam', 'thailand', 'cambodia', 'laos', 'burma', 'myanmar', 'indonesia',
  'malaysia', 'taiwan', 'hong kong', 'tibet', 'nepal', 'sri lanka', 'afghanistan', 'iran', 'iraq', 'syria',
  'lebanon', 'palestine', 'israel', 'jordan', 'yemen', 'saudi arabia', 'egypt', 'morocco', 'algeria',
  'tunisia', 'sudan', 'somalia', 'ethiopia', 'eritrea', 'kenya', 'uganda', 'tanzania', 'rwanda', 'congo',
  'nigeria', 'ghana', 'senegal', 'cameroon', 'zimbabwe', 'zambia', 'south africa', 'jamaica', 'haiti',
  'trinidad', 'barbados', 'the dominican republic', 'dominican republic', 'cuba', 'puerto rico',
  'el salvador', 'guatemala', 'honduras', 'nicaragua', 'costa rica', 'panama', 'colombia', 'venezuela',
  'ecuador', 'peru', 'bolivia', 'chile', 'argentina', 'uruguay', 'paraguay', 'brazil', 'poland', 'germany',
  'france', 'greece', 'russia', 'ukraine', 'armenia', 'turkey', 'albania', 'serbia', 'croatia', 'bosnia',
  'hungary', 'romania', 'bulgaria', 'lithuania', 'latvia', 'estonia', 'finland', 'sweden', 'norway',
  'denmark', 'iceland', 'the netherlands', 'holland', 'belgium', 'switzerland', 'austria', 'portugal',
  'spain', 'scotland', 'wales', 'england', 'sicily', 'malta', 'cyprus', 'africa', 'asia', 'europe',
  'the caribbean', 'latin america', 'south america', 'central america', 'the middle east', 'west africa',
  'east africa', 'eastern europe', 'the old country', 'overseas', 'abroad', 'another country',
];

/** Languages (for language learning). */
export const LANGUAGES: readonly string[] = [
  'spanish', 'french', 'german', 'italian', 'japanese', 'mandarin', 'chinese', 'cantonese', 'korean',
  'portuguese', 'arabic', 'russian', 'hindi', 'urdu', 'dutch', 'swedish', 'norwegian', 'danish', 'greek',
  'latin', 'hebrew', 'turkish', 'polish', 'vietnamese', 'thai', 'tagalog', 'swahili', 'english',
  'sign language', 'asl', 'bsl', 'irish', 'welsh', 'gaelic', 'finnish', 'ukrainian', 'persian', 'farsi',
  'indonesian', 'czech', 'hungarian', 'romanian', 'a language', 'a new language', 'a second language',
  'another language', 'languages',
];

/** Family members, as in "my Italian grandmother" or "my parents are from Ghana". */
export const KIN: readonly string[] = [
  'family', 'families', 'parents', 'parent', 'mom', 'mum', 'mother', 'dad', 'father', 'grandma', 'grandmother',
  'grandpa', 'grandfather', 'grandparents', 'nana', 'nonna', 'nonno', 'abuela', 'abuelo', 'abuelita',
  'grandmas', 'relatives', 'ancestors', 'great grandparents', 'great grandmother', 'great grandfather',
  'aunt', 'aunts', 'uncle', 'uncles', 'cousins', 'cousin', 'husband', 'wife', 'in laws', 'side',
  'side of the family', 'heritage', 'roots', 'culture', 'background', 'blood', 'descent', 'ancestry',
  'ethnicity', 'origins', 'upbringing', 'community', 'people', 'name', 'surname', 'last name',
];

/** Ways of saying "I am" / "we are" / "as a". */
export const SELF: readonly string[] = [
  'i am', 'im', 'i m', 'we are', 'were', 'being', 'as a', 'as an', 'identify as', 'consider myself',
  'proud to be', 'grew up', 'raised', 'born', 'was born',
];
