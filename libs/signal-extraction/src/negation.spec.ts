import { LexiconEngine } from './engine';
import { buildFolder } from './language/data';
import { buildLanguageLexicon } from './lexicon/language-lexicon';

/**
 * The negation mechanisms of negation.tsv, on a made-up language "xx" so that they are proven on
 * data alone (any language fills the same kinds): multi-word cue and post phrases, hypothetical
 * refusal, sarcasm, retraction by a following clause, a negated topic winning over the message,
 * multi-word fillers, and misspelt sensitive words.
 */
const LANGUAGE = 'key\tvalue\ncode\txx\nname\tX\nscript\tLatn\nstatus\tpending\nstemmer\tnone\n';
const TOPICS = 'topics\tphrase\n512:Golf\tgolf\n678:Cruises\tcruise\n511:Fishing Sports\tfishing\n';
const SENSITIVE = 'target\tphrase\n317:Diabetes\tdiabetes\nRELIGION\tchurch\nTRADE_UNION\tunion\n';
const CUES = 'kind\tvalue\nfiller\tum\nfiller\tyou know\nconnector\tbut\nnot-a-typo\tdiabetis\n';
const NEGATION = [
  'kind\tvalue',
  'cue\tnot',
  'cue\tno',
  'local\tno',
  'cue\tused to',
  'post\tgave it up',
  'breaker\tnow',
  'window\t4',
  'refusal\trather die than',
  'sarcasm\toh great another',
  'sarcasm\t/s',
  'retraction\tquit',
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
  });

  it('reads a multi-word post phrase after the mention', () => {
    expect(topics('fishing every day and gave it up')).toEqual([]);
    expect(topics('gave it up and fishing')).toEqual(['511']);
  });

  it('refuses every topic after a hypothetical refusal in its clause, breakers ignored', () => {
    expect(topics('rather die than now go on a long long cruise')).toEqual([]);
    expect(topics('cruise rather die than')).toEqual(['678']); // only what follows
    expect(topics('rather die than golf but cruise')).toEqual(['678']); // a new clause is free
  });

  it('drops the topics of a sarcastic clause, or of the previous clause when the sarcasm stands alone', () => {
    expect(topics('oh great another golf weekend')).toEqual([]);
    expect(topics('golf on tv. oh great another weekend')).toEqual([]);
    expect(topics('golf on tv all day /s')).toEqual([]);
    expect(topics('golf on tv all day s')).toEqual(['512']); // only the tag "/s", not a lone letter
  });

  it('lets a following clause with no topic of its own retract the previous one', () => {
    expect(topics('fishing every weekend but quit')).toEqual([]);
    // A clause with a topic of its own is about that topic ("quit" is no cue word in xx).
    expect(topics('fishing every weekend but quit golf')).toEqual(['511', '512']);
  });

  it('does not let a topic negated anywhere in the message count elsewhere in it', () => {
    expect(topics('not golf. golf ads everywhere')).toEqual([]);
    expect(topics('not golf. cruise')).toEqual(['678']);
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

  it('reads a swap from five letters, a dropped or doubled letter from six', () => {
    expect(classes('the chruch')).toEqual(['RELIGION']);
    expect(classes('the chrch')).toEqual(['RELIGION']);
    expect(classes('the unoin')).toEqual(['TRADE_UNION']);
    expect(classes('the unin')).toEqual([]);
    expect(classes('the unnion')).toEqual([]);
  });
});
