import { analyzeWithEngines } from './analyze';
import { getLexiconEngine, LexiconEngine } from './engine';
import { buildFolder } from './language/data';
import { buildLanguageLexicon } from './lexicon/language-lexicon';

/**
 * The negation mechanisms of negation.tsv, on a made-up language "xx" so that they are proven on
 * data alone (any language fills the same kinds): multi-word cue and post phrases, hypothetical
 * refusal, sarcasm, retraction by a following clause, a negated topic winning over the message,
 * multi-word fillers, and misspelt sensitive words.
 */
const LANGUAGE = 'key\tvalue\ncode\txx\nname\tX\nscript\tLatn\nstatus\tpending\nstemmer\tnone\n';
const TOPICS = 'topics\tphrase\n512:Golf\tgolf\n678:Cruises\tcruise\n511:Fishing Sports\tfishing\n483:Sports\tsport\n';
const SENSITIVE = 'target\tphrase\n317:Diabetes\tdiabetes\nRELIGION\tchurch\nTRADE_UNION\tunion\nHEALTH\ta1c\n';
const CUES = 'kind\tvalue\nfiller\tum\nfiller\tyou know\nconnector\tbut\nnot-a-typo\tdiabetis\n';
const NEGATION = [
  'kind\tvalue',
  'cue\tnot',
  'cue\tno',
  'local\tno',
  'cue\tused to',
  'exempt-next\tused to live',
  'post\tgave it up',
  'breaker\tnow',
  'window\t4',
  'refusal\trather die than',
  'sarcasm\toh great another',
  'sarcasm\t/s',
  'retraction\tquit',
  'pair\trather than',
  '',
].join('\n');

function engine(negation = NEGATION): LexiconEngine {
  const folder = buildFolder('xx', { language: LANGUAGE, topics: TOPICS, sensitive: SENSITIVE, cues: CUES, negation });
  return new LexiconEngine(buildLanguageLexicon(folder));
}

const xx = engine();
/** Positive topic ids of a message, all clauses. */
const topics = (text: string, e = xx) => e.analyze(text).clauses.flatMap((c) => [...c.mentions.keys()]).sort();
const classes = (text: string, e = xx) => [...new Set(e.analyze(text).clauses.flatMap((c) => c.classes))].sort();

describe('negation.tsv mechanisms (language-independent)', () => {
  it('reads a multi-word cue like a cue word: "used to" negates what follows within the window', () => {
    expect(topics('golf')).toEqual(['512']);
    expect(topics('used to golf')).toEqual([]);
    expect(topics('used to um really love golf')).toEqual([]); // fillers do not count
    expect(topics('used to play with my old friends golf')).toEqual(['512']); // beyond the window of 4
    expect(topics('used to play now golf')).toEqual(['512']); // a breaker ends the scope
    expect(topics('used to play, golf')).toEqual(['512']); // so does a comma
    expect(topics('used to live near golf')).toEqual(['512']); // an exempt-next word after the phrase
  });

  it('reads typographic punctuation as punctuation: a curly apostrophe inside a word, "…" and dashes between words', () => {
    // U+2019 was read as a letter, so "didn’t" was one unknown word and "…" glued to the word before it.
    const english = getLexiconEngine('en');
    expect(topics('I don\u2019t like golf', english)).toEqual([]);
    expect(topics("I don't like golf", english)).toEqual([]);
    expect(topics('golf\u2026 not fishing')).toEqual(['512']);
    expect(topics('golf\u2014not fishing')).toEqual(['512']);
    expect(topics('\u201cgolf\u201d')).toEqual(['512']);
  });

  it('reads a multi-word post phrase after the mention', () => {
    expect(topics('fishing every day and gave it up')).toEqual([]);
    expect(topics('gave it up and fishing')).toEqual(['511']);
    expect(topics('fishing, personally gave it up')).toEqual([]); // across a comma, like a post word
  });

  it('refuses every topic after a hypothetical refusal in its clause, breakers ignored', () => {
    expect(topics('rather die than now go on a long long cruise')).toEqual([]);
    expect(topics('cruise rather die than')).toEqual(['678']); // only what follows
    expect(topics('rather die than golf but cruise')).toEqual(['678']); // a new clause is free
  });

  it('reads a preference pair: what follows the closer is dispreferred, what precedes it is not', () => {
    expect(topics('rather fishing than golf')).toEqual(['511']);
    expect(topics('fishing than golf')).toEqual(['511', '512']); // no opener
    expect(topics('rather golf than golf')).toEqual(['512']); // the dispreferred one stays local: the same topic may be preferred
  });

  it('reads a short clause of a rejection followed by post words or another rejection as a rejection of the clause before', () => {
    const e = engine(`${NEGATION}rejection\tno thanks\nrejection\tnope\npost\tboring\n`);
    expect(topics('golf? no thanks', e)).toEqual([]);
    expect(topics('golf? no thanks, boring', e)).toEqual([]);
    expect(topics('golf? no thanks, nope', e)).toEqual([]);
    expect(topics('golf? no thanks, boring, boring, boring, boring, boring', e)).toEqual(['512']); // longer than six words: a sentence of its own
    expect(topics('golf? no thanks, my friend', e)).toEqual(['512']); // other words: not a bare rejection
    expect(topics('golf? boring thanks no', e)).toEqual(['512']); // the rejection comes first
  });

  it('drops the topics of a sarcastic clause, or of the previous clause when the sarcasm stands alone', () => {
    expect(topics('oh great another golf weekend')).toEqual([]);
    expect(topics('golf on tv. oh great another weekend')).toEqual([]);
    expect(topics('golf on tv all day /s')).toEqual([]);
    expect(topics('golf on tv all day s')).toEqual(['512']); // only the tag "/s", not a lone letter
    expect(topics('oh great another. golf please')).toEqual(['512']); // a lone remark is about what came before, not after
  });

  it('lets a following clause with no topic of its own retract the previous one', () => {
    expect(topics('fishing every weekend but quit')).toEqual([]);
    expect(topics('cruise? in july? quit')).toEqual([]); // over a short clause with no topic
    expect(topics('cruise? in july with the whole family and friends? quit')).toEqual(['678']); // not over a long one
    // A clause with a topic of its own is about that topic ("quit" is no cue word in xx).
    expect(topics('fishing every weekend but quit golf')).toEqual(['511', '512']);
  });

  it('does not let a topic negated anywhere in the message count elsewhere in it', () => {
    expect(topics('not golf. golf ads everywhere')).toEqual([]);
    expect(topics('not golf. cruise')).toEqual(['678']);
    // A negated Tier-1 node itself takes its area: "golf clubs, not a sport for me".
    expect(topics('golf and cruise. not sport')).toEqual(['678']);
    // ... unless the cue is a local one: "no golf fees" says nothing against golf elsewhere.
    expect(topics('golf club with no golf fees')).toEqual(['512']);
  });

  it('steps over multi-word fillers inside phrases and negation windows', () => {
    expect(topics('used to you know you know golf')).toEqual([]);
  });

  it('reads a dropped, doubled or swapped letter of a sensitive word as the word, not of listed real words', () => {
    for (const typo of ['diabtes', 'diabetess', 'daibetes', 'diiabetes']) expect(classes(`my ${typo} again`)).toEqual(['HEALTH']);
    expect(classes('my diabetis again')).toEqual([]); // a not-a-typo row
    expect(classes('my diabetes again')).toEqual(['HEALTH']);
  });

  it('normalizes phrases as it normalizes text ("a1c" is read as leetspeak in both)', () => {
    expect(classes('my a1c is high')).toEqual(['HEALTH']);
  });

  it('reads a swap from five letters, a dropped or doubled letter from six', () => {
    expect(classes('the chruch')).toEqual(['RELIGION']);
    expect(classes('the chrch')).toEqual(['RELIGION']);
    expect(classes('the unoin')).toEqual(['TRADE_UNION']);
    expect(classes('the unin')).toEqual([]);
    expect(classes('the unnion')).toEqual([]);
  });
});

describe('qualifier Tier-1s (cues.tsv)', () => {
  const folder = (cues: string) =>
    buildFolder('xx', { language: LANGUAGE, topics: 'topics\tphrase\n646:Comedy\tcomedy\n324:Movies\tmovie\n', sensitive: SENSITIVE, cues });
  const tier1s = (e: LexiconEngine, text: string) => e.scoreClauses(e.analyze(text)).flat().map((t) => e.tier1(t.topicId)).sort();

  it('keeps a qualifier Tier-1 only when no other Tier-1 is found', () => {
    const e = new LexiconEngine(buildLanguageLexicon(folder('kind\tvalue\nqualifier\tSPSHQ5\n')));
    expect(tier1s(e, 'a comedy movie')).toEqual(['JLBCU7']);
    expect(tier1s(e, 'a good comedy')).toEqual(['SPSHQ5']);
    const plain = new LexiconEngine(buildLanguageLexicon(folder('kind\tvalue\n')));
    expect(tier1s(plain, 'a comedy movie')).toEqual(['JLBCU7', 'SPSHQ5']);
  });

  it('refuses a qualifier that is not a Tier-1 id', () => {
    expect(() => new LexiconEngine(buildLanguageLexicon(folder('kind\tvalue\nqualifier\t646\n')))).toThrow(/not a Tier-1 node id/);
  });
});

describe('one-word mentions naming topics of several Tier-1s', () => {
  const e = new LexiconEngine(
    buildLanguageLexicon(
      buildFolder('xx', { language: LANGUAGE, topics: 'topics\tphrase\n210:Food & Drink|427:Large Animals\tchicken\n216:Cooking\trecipe\n427:Large Animals|431:Pet Supplies\tchicken coop\n', sensitive: SENSITIVE, cues: 'kind\tvalue\n' }),
    ),
  );
  const ids = (text: string) => e.analyze(text).clauses.flatMap((c) => [...c.mentions.keys()]).sort();

  it('keep the Tier-1s the rest of the message supports, or all when none is', () => {
    expect(ids('chicken recipe')).toEqual(['210', '216']);
    expect(ids('chicken')).toEqual(['210', '427']);
    expect(ids('a chicken coop')).toEqual(['427', '431']); // a longer phrase is not ambiguous
  });
});

describe('service Tier-1s (cues.tsv)', () => {
  const folder = (cues: string) =>
    buildFolder('xx', { language: LANGUAGE, topics: 'topics\tphrase\n672:Air Travel\tflight\n630:Laptops\tlaptop\n', sensitive: SENSITIVE, cues });
  const tier1s = (e: LexiconEngine, text: string) => e.scoreClauses(e.analyze(text)).flat().map((t) => e.tier1(t.topicId)).sort();

  it('add Shopping to a purchase of a product, not of a service', () => {
    const e = new LexiconEngine(buildLanguageLexicon(folder('kind\tvalue\npurchase\tcheap\nservice\t653\n')));
    expect(tier1s(e, 'cheap laptop')).toEqual(['473', '596']);
    expect(tier1s(e, 'cheap flight')).toEqual(['653']);
    const plain = new LexiconEngine(buildLanguageLexicon(folder('kind\tvalue\npurchase\tcheap\n')));
    expect(tier1s(plain, 'cheap flight')).toEqual(['473', '653']);
  });
});

describe('exception phrases', () => {
  it('hide the topics inside them and name none, not even their own line\'s', () => {
    const e = new LexiconEngine(
      buildLanguageLexicon(buildFolder('xx', { language: LANGUAGE, topics: 'topics\tphrase\n227:Running and Jogging\trunning\n227:Running and Jogging\t!running late\n', sensitive: SENSITIVE, cues: 'kind\tvalue\n' })),
    );
    const ids = (text: string) => e.analyze(text).clauses.flatMap((c) => [...c.mentions.keys()]);
    expect(ids('running shoes')).toEqual(['227']);
    expect(ids('im running late again')).toEqual([]);
  });
});

describe('code-switched messages (two engines merged)', () => {
  const lang = (code: string) => LANGUAGE.replace('code\txx', `code\t${code}`);
  const xx = new LexiconEngine(buildLanguageLexicon(buildFolder('xx', { language: lang('xx'), topics: 'topics\tphrase\n552:Style & Fashion\tfashion\n512:Golf\tgolf\n', sensitive: SENSITIVE, cues: 'kind\tvalue\n', negation: 'kind\tvalue\ncue\tnot\n' })));
  const yy = new LexiconEngine(buildLanguageLexicon(buildFolder('yy', { language: lang('yy'), topics: 'topics\tphrase\n678:Cruises\tcrucero\n512:Golf\tgolf\n', sensitive: SENSITIVE, cues: 'kind\tvalue\n', negation: 'kind\tvalue\ncue\tno\nretraction\tme importa\n' })));
  const ids = (text: string) => analyzeWithEngines(text, [xx, yy]).signals.map((s) => s.topicId).sort();

  it('drops the other language\'s topics in a clause one language rejects as a whole', () => {
    expect(ids('fashion? crucero')).toEqual(['552', '678']);
    expect(ids('fashion? no me importa')).toEqual([]);
  });

  it('drops a topic one language negates from the other\'s reading', () => {
    expect(ids('golf. no crucero. crucero y golf')).toEqual(['512']);
    expect(ids('not golf. crucero y golf')).toEqual(['678']); // yy knows golf, not the cue
  });
});

describe('patterns.tsv co-occurrence within a clause', () => {
  const e = new LexiconEngine(
    buildLanguageLexicon(
      buildFolder('xx', {
        language: LANGUAGE,
        topics: TOPICS,
        sensitive: SENSITIVE,
        cues: 'kind\tvalue\nconnector\tanyway\n',
        patterns: 'kind\tname\tvalue\nclass\tLOCAL\tour local\nclass\tBUSINESS\tcontract\nco-occurrence-clause\tTRADE_UNION\tLOCAL BUSINESS\n',
      }),
    ),
  );
  it('reveals its classes in the clause holding every word class, not across clauses', () => {
    const a = e.analyze('our local signed the contract anyway golf');
    expect(a.clauses.map((c) => c.classes)).toEqual([['TRADE_UNION'], []]);
    expect(a.crossClauseClasses).toEqual([]);
    expect(e.analyze('our local anyway contract').clauses.flatMap((c) => c.classes)).toEqual([]);
  });
});
