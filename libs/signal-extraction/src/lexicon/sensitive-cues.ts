import { cross, type CueLine } from './lexicon';

/**
 * Words that reveal a sensitive class without naming a taxonomy node: sexual orientation, race,
 * ethnic origin, trade-union membership and philosophical beliefs have (almost) no nodes, and
 * some religion / politics / health phrasings are better caught here. Self-identification
 * patterns over word lists ("I'm Irish", "my Mexican grandmother", "as a Black woman") live in
 * patterns.ts; these are the fixed phrases.
 *
 * Decisions (documented in the README):
 * - Polarity is ignored: "I'm not religious", "I'm not gay" still touch the class.
 * - Gender identity ("trans", "non-binary") is treated as SEXUAL_ORIENTATION, the nearest class.
 * - "pray" in any form is RELIGION, idioms included ("pray for good weather"): a lost topic is
 *   cheaper than a leak.
 * - "my husband" / "my wife" alone reveal nothing; "as a guy ... my husband" does (patterns.ts).
 */
export const SENSITIVE_CUES: readonly CueLine[] = [
  ['SEXUAL_ORIENTATION', `attracted to both, attracted to the same sex, attracted to the same gender, attracted to women and men,
    attracted to men and women, into guys and girls, questioning my sexuality, men who date men, women who date women, gay, gays, lesbian, lesbians, bisexual, bisexuals, bi sexual, pansexual, pansexuals, asexual, homosexual,
    homosexuality, heterosexual, heterosexuality, queer, queers, lgbt, lgbtq, lgbtqia, lgbtqi, lgbtqa, glbt, same sex couple,
    same-sex couple, same sex relationship, same-sex relationship, same sex partner, same-sex partner, sexual orientation, sexuality,
    my sexuality, my coming out, coming out story, ${cross(['came out to', 'come out to', 'coming out to', 'came out'], ['my parents', 'my family', 'my mom', 'my mum', 'my dad', 'my friends', 'my sister', 'my brother', 'everyone', 'my grandparents', 'my coworkers', 'my boss', 'my kids'])},
    ${cross(['came out as', 'coming out as', 'come out as', 'out as'], ['gay', 'lesbian', 'bi', 'bisexual', 'trans', 'queer', 'nonbinary', 'non binary', 'pan', 'pansexual', 'ace', 'asexual'])}, out of the closet, still in the closet,
    =closeted, gay bar, gay bars, gay club, gay pride, pride parade, pride parades, pride month, pride march, pride flag, pride festival,
    pride event, pride events, pride week, pride weekend, drag queen, drag queens, drag show, drag shows, drag brunch, drag king,
    drag kings, transgender, transsexual, trans woman, trans women, trans man, trans men, trans person, trans people, trans kid,
    trans son, trans daughter, trans teen, trans youth, i'm trans, im trans, i am trans, as a trans, being trans, non binary,
    nonbinary, non-binary, enby, genderqueer, genderfluid, gender fluid, gender identity, gender dysphoria, gender affirming,
    gender-affirming, transitioning genders, my transition, top surgery, bottom surgery, they/them, my pronouns, grindr,
    scruff app, lavender marriage, two moms, two dads, my two moms, my two dads, my wife and i are both women,
    my husband and i are both men, i'm straight, im straight, i am straight, as a straight, straight guy, straight man, straight woman,
    straight couple, straight people, i'm bi, im bi, i am bi, as a bi, bi guy, bi girl, bi woman, bi man, being bi, bi and,
    ${cross(['my girlfriend and i are', 'my wife and i are', 'my boyfriend and i are', 'my husband and i are', 'we are', 'were'], ['lesbians', 'gay', 'queer', 'bi', 'both gay', 'both women', 'both men'])},
    !queer eye, !rupauls drag race, !rupaul's drag race, !drag race, !drag racing, !the pride of, !pride and prejudice, !pride in my work,
    !take pride, !takes pride, !took pride, !pride myself, !pride ourselves, !a point of pride, !lion pride, !coming out soon,
    !coming out next, !came out last, !came out this, !came out in, !came out yesterday, !came out today, !came out great,
    !came out well, !came out perfect, !came out amazing, !came out good, !came out nice, !coming out with, !came out with,
    !the movie came out, !the album came out, !game came out, !it came out, !they came out, !came out of the oven, !coming out of,
    !came out of, !come out of, !come out with, !come out soon, !come out great, !come out right, !come out well`],
  ['RACE', `${cross(['token', 'the only', 'only'], ['asian', 'black', 'white', 'brown', 'latino', 'latina', 'poc'], ['', 'person', 'guy', 'girl', 'woman', 'man', 'kid', 'employee'])},
    racism, racist, racists, racial, racially, race relations, racial profiling, racial discrimination, racially profiled,
    discriminated against, discrimination at work, discrimination because of, because of my race, because of my skin, =colorism, person of color, people of color, woman of color, women of color,
    man of color, men of color, poc, bipoc, biracial, multiracial, mixed race, mixed-race, interracial, interracial couple,
    interracial marriage, african american, african-american, african americans, asian american, asian americans, asian-american,
    black american, black americans, black british, white privilege, microaggression, microaggressions, black history month,
    juneteenth celebration, hbcu, hbcus, the black community, black community, black owned, black-owned, my blackness, =blackness,
    =whiteness, caucasian, afro caribbean, afro-caribbean, afro latina, afro latino, afro-latina, afro-latino,
    !black friday, !black belt, !black coffee, !black tie`],
  ['ETHNIC_ORIGIN', `${cross(['we speak', 'grew up speaking', 'my first language is', 'my native language is', 'my parents speak', 'my family speaks', 'my parents only speak', 'we only speak'], ['spanish', 'arabic', 'korean', 'mandarin', 'cantonese', 'vietnamese', 'tagalog', 'hindi', 'urdu', 'punjabi', 'portuguese', 'russian', 'polish', 'farsi', 'persian', 'amharic', 'somali', 'haitian creole', 'creole', 'yoruba', 'igbo', 'hebrew', 'greek', 'italian', 'french', 'german', 'japanese', 'chinese', 'turkish', 'ukrainian', 'bengali', 'gujarati', 'tamil', 'swahili'])},
    deported, deportation order, latina, latinas, latino, latinos, latinx, latine, hispanic, hispanics, chicano, chicana, chicanx, indigenous,
    native american, native americans, first nations, aboriginal, aborigine, aboriginal australian, torres strait islander,
    pacific islander, pacific islanders, native hawaiian, romani, gypsy, gypsies, traveller community, immigrant, immigrants,
    immigrated, immigrating, emigrated, emigrate, migrant, migrants, refugee, refugees, asylum seeker, diaspora, ethnicity, ethnicities,
    ethnic, ethnic background, ethnic minority, ethnic minorities, ethnic group, my heritage, our heritage, my ancestry, our ancestry,
    my roots, our roots, my culture, our culture, my ethnicity, where my family is from, second generation immigrant, second-generation immigrant, second generation american, first generation immigrant, first-generation immigrant,
    first generation american, first-generation american, first gen american, heritage month, hispanic heritage month,
    aapi, aapi heritage, desi, mestizo, green card, citizenship test, =naturalization, naturalized citizen, =naturalised,
    immigration status, visa status, green card holder, undocumented, dual citizenship, dual citizen, my home country, my native country, my mother tongue, my native language, mother tongue,
    !ethnic food, !ethnic foods, !ethnic cuisine, !ethnic restaurant, !ethnic restaurants, !indigenous peoples day,
    !indigenous plants, !indigenous species, !native plants, !my roots are showing, !hair roots, !root touch up, !my roots need,
    !company culture, !work culture, !pop culture, !culture shock, !car culture, !the culture here, !culture war, !culture wars,
    !immigrant song, !desi food`],
  ['TRADE_UNION', `union electrician, union carpenter, union plumber, union teacher, union nurse, union ironworker, union pipefitter,
    union laborer, union apprentice, union guy, union gal, union household, union family, union wages, union benefits, union pension,
    proud union, the union, my union, our union, union member, union members, union membership, union dues, union rep,
    union reps, union representative, union meeting, union meetings, union card, union steward, shop steward, shop stewards,
    union organizer, union organizers, union organizing, organizing a union, organize a union, =unionize, =unionizing, =unionise,
    =unionising, =unionized, =unionised, =unionization, =unionisation, union drive, union election, union vote, union contract,
    union negotiations, collective bargaining, bargaining unit, collective agreement, labor union, labour union, labor unions,
    labour unions, trade union, trade unions, trade unionist, =unions, teachers union, teachers' union, nurses union, autoworkers union,
    union job, union jobs, union workers, union worker, union local, local union, union hall, picket line, picket lines, =picketing,
    on strike, going on strike, go on strike, went on strike, strike vote, general strike, union strike, strike fund, strike pay,
    walked off the job, afl-cio, afl cio, teamsters, seiu, uaw, afscme, ibew, unite here, unison union, unite union, gmb union, ufcw,
    nea member, aft member, sag-aftra member, in a union, join a union, joined a union, joined the union, joining the union,
    filed a grievance, union grievance, grievance procedure, crossing the picket line, union busting, union-busting,
    !credit union, !credit unions, !european union, !the european union, !soviet union, !the soviet union, !civil union, !civil unions,
    !union station, !union square, !union jack, !student union, !students union, !rugby union, !union pacific, !union city,
    !union county, !union college, !union bank, !union army, !union soldiers, !state of the union, !the union of, !union of,
    !african union, !postal union, !customs union, !monetary union, !the union between, !union pacific railroad, !union hotel,
    !on strike three, !strike a pose, !strike a balance, !strike a deal, !lucky strike`],
  ['PHILOSOPHICAL_BELIEFS', `believe in any god, believe in a god, there is no god, no such thing as god, don't believe in religion,
    dont believe in religion, moral objection, ethical objection, against my beliefs, against my values, against my principles, atheist, atheists, atheism, agnostic, agnostics, agnosticism, nonbeliever, non-believer, =humanist, =humanists,
    =humanism, secular humanist, secular humanism, freethinker, freethinkers, stoicism, stoic philosophy, practicing stoic, i'm a stoic,
    im a stoic, existentialism, existentialist, nihilism, nihilist, =absurdism, =pacifist, =pacifists, =pacifism, conscientious objector,
    veganism, ethical vegan, ethical veganism, vegan for ethical reasons, vegan for the animals, vegan because of animal cruelty,
    i'm vegan, im vegan, i am vegan, i'm a vegan, im a vegan, as a vegan, went vegan, gone vegan, being vegan, animal rights,
    animal rights activist, animal liberation, effective altruism, effective altruist, utilitarian, utilitarianism, =objectivism,
    objectivist, transhumanism, transhumanist, anti-natalism, antinatalism, antinatalist, my philosophy, philosophy of life,
    life philosophy, my worldview, my world view, my moral beliefs, my moral values, my beliefs, my core beliefs, my values,
    my ethics, ethical beliefs, moral beliefs, as a philosophy, ethical philosophy, personal philosophy, environmentalist,
    environmentalists, freemason, freemasons, freemasonry, masonic lodge, straight edge, anarchist, libertarian, feminist, =feminism,
    pro-life, pro life, pro-choice, pro choice, don't believe in god, dont believe in god, i'm an atheist, im an atheist,
    !my philosophy class, !my philosophy professor, !my philosophy degree, !my values are in the spreadsheet`],
  ['RELIGION', `atheist, atheists, atheism, agnostic, agnostics, agnosticism, i pray, we pray, i prayed, keep praying, pray for,
    praying for, thoughts and prayers, say grace, saying grace, my church, our church, at church, to church, church on sunday,
    church every sunday, sunday school, bible camp, church camp, christian camp, youth group at church, religious community,
    spiritual community, my faith community, high holy days, fasting this month, my spiritual, religious beliefs,
    my religious, our religious, raised in the church, grew up in the church, grew up catholic, grew up religious, grew up muslim,
    grew up jewish, grew up hindu, grew up mormon, grew up evangelical, blessed by god, god has a plan, god's timing, gods timing,
    leaning on my faith, lean on my faith, my relationship with god, relationship with jesus, walk with god, walk with christ,
    accepted jesus, saved by grace, the good book, ${cross(['converted to', 'converting to', 'convert to', 'raised', 'grew up', 'as a', 'im a', 'i am a', 'being a', 'practicing', 'devout', 'observant'], ['catholic', 'christian', 'muslim', 'jewish', 'jew', 'hindu', 'buddhist', 'sikh', 'mormon', 'jehovahs witness', 'evangelical', 'orthodox', 'protestant', 'pagan', 'wiccan'])}`],
  ['POLITICS', `i voted, we voted, voted for, my vote, who i voted for, my party affiliation, party affiliation,
    registered democrat, registered republican, registered independent, independent voter, swing voter, political leanings,
    my political leanings, lean left, lean right, leans left, leans right, politically active, political activist, run for office,
    running for office, running for city council, running for school board, door knocking for, volunteering for the campaign,
    volunteer for the campaign, donated to the campaign, campaign donation, political donation, the senator's, the senator,
    the congressman's, the congresswoman's, the governor's, the mayor's, the president's, state senator, state representative,
    city councilman, city councilwoman, councilmember, council member, alderman, new law,
    the new law, protest march, at the protest, to the protest, the rally, a rally for, rally against, political rally`],
];

/**
 * Phrases that hide shorter cues and topics inside them wherever they occur (beyond the "!"
 * phrases listed with each topic): ordinary uses of sensitive-looking words.
 */
export const GLOBAL_EXCEPTIONS = `the rally car, rally car, rally cars, rally racing, rally driver, rally driving, tennis rally,
  stock market rally, market rally, relief rally, rally cap, rally in the stock, santa claus rally, the rally in stocks`;

/**
 * Gear nouns: right after a sport ("climbing shoes", "golf clubs", "ski goggles") or before
 * "for <sport>" they make that sport's equipment a Sports Equipment signal too.
 */
export const GEAR_NOUNS = `shoes, shoe, =boots, boot, gear, equipment, harness, harnesses, rope, ropes, helmet, helmets, gloves, glove,
  racket, rackets, racquet, racquets, =bat, =bats, ball, balls, clubs, club set, stick, sticks, skates, pads, =board, =boards, poles,
  pole, paddle, paddles, wetsuit, wetsuits, goggles, mat, mats, jersey, jerseys, cleats, apparel, clothes, clothing, shorts, kit,
  kits, bag, bags, net, nets, rod, rods, reel, reels, lures, tackle, bindings, =skis, vest, chalk, carabiners, quickdraws, crampons,
  ice axe, tent, tents, sleeping bag, backpack, backpacks, pack, packs, jacket, jackets, watch, tracker, saddle, spikes, trainers,
  sneakers, leggings, wear, socks, bottle, bottles, glasses, sunglasses, headlamp, stove, cooler, wax, grips, grip tape, guards,
  mouthguard, mouth guard, shin guards, knee pads, elbow pads, chest protector, bike lights, pedals, tires, tyres, frame, frames,
  bike shorts, lock, lights, accessories, supplies, setup, set up, bench, barbell, plates, weights, dumbbells, machine, machines,
  treadmill`;
