import { getTaxonomy } from '@signalpath/taxonomy';
import { LexiconTopicExtractor } from './lexicon-models';

const taxonomy = getTaxonomy();
const extractor = new LexiconTopicExtractor();

function names(text: string): string[] {
  return extractor.extract(text).map((t) => taxonomy.get(t.topicId)?.name ?? t.topicId);
}

function tier1s(text: string): string[] {
  return [...new Set(extractor.extract(text).map((t) => taxonomy.tier1NodeOf(t.topicId)?.name))].sort() as string[];
}

describe('LexiconTopicExtractor', () => {
  it('maps climbing to the climbing node, and climbing gear to climbing plus sports equipment', () => {
    expect(names('I have been getting into rock climbing')).toContain('Climbing');
    for (const text of ['I need new climbing shoes', 'looking for a climbing harness', 'any good climbing gear brands?', 'shoes for bouldering']) {
      expect(names(text)).toEqual(expect.arrayContaining(['Climbing', 'Sports Equipment']));
    }
  });

  it('turns gear after any sport into sports equipment, not fashion', () => {
    expect(names('new golf clubs')).toEqual(expect.arrayContaining(['Golf', 'Sports Equipment']));
    expect(names('which ski goggles should I buy')).toEqual(expect.arrayContaining(['Skiing', 'Sports Equipment']));
    expect(names('I love these shoes')).not.toContain('Sports Equipment');
  });

  it('covers the Tier-1 areas with ordinary vocabulary', () => {
    const cases: Array<[string, string]> = [
      ["I'm planning a week in Lisbon, where should we stay?", 'Travel'],
      ["What's an easy weeknight pasta recipe?", 'Food & Drink'],
      ['Should I buy the new MacBook Air?', 'Technology & Computing'],
      ['My check engine light is on', 'Automotive'],
      ['How do I pay off my credit card debt faster?', 'Personal Finance'],
      ['Help me update my resume for a new job', 'Careers'],
      ['What grad school programs are good for economics?', 'Education'],
      ['How do I fix a leaky faucet?', 'Home & Garden'],
      ['My puppy keeps chewing the couch', 'Pets'],
      ['What are the fashion trends this fall?', 'Style & Fashion'],
      ['What is a good beginner workout routine?', 'Healthy Living'],
      ['Best co-op games on the Switch?', 'Video Gaming'],
      ['Make me a playlist of indie rock songs', 'Entertainment'],
      ['Recommend a good mystery novel', 'Books and Literature'],
      ['We just got engaged and started planning the wedding', 'Personal Celebrations & Life Events'],
      ['Is now a good time to buy a house?', 'Real Estate'],
      ['How do black holes form?', 'Science'],
      ["Who's playing at Comic Con this year?", 'Events'],
      ['Any tips for knitting a scarf?', 'Hobbies & Interests'],
      ['Christmas is coming, what traditions should we start?', 'Holidays'],
      ['Any good deals on headphones?', 'Shopping'],
      ['How do I get my toddler to sleep?', 'Family and Relationships'],
      ['What impressionist paintings should I see in Paris?', 'Fine Art'],
      ['Which museum in Chicago is best for kids?', 'Attractions'],
      ['Recommend some scary horror, anything', 'Genres'], // Genres alone (beside another Tier-1 it is a qualifier)
      ["What's the latest celebrity gossip?", 'Pop Culture'],
      ['Do I need a lawyer to write a will?', 'Law'],
      ['Someone stole my bike, should I report it to the police?', 'Crime'],
      ['What goes in a hurricane emergency kit?', 'Disasters'],
      ['Good books about World War II?', 'War and Conflicts'],
      ['How can I get better at public speaking?', 'Communication'],
      ['How do I write a business plan?', 'Business and Finance'],
      ['Who will win the Super Bowl?', 'Sports'],
    ];
    for (const [text, tier1] of cases) expect({ text, tier1s: tier1s(text) }).toEqual({ text, tier1s: expect.arrayContaining([tier1]) });
  });

  it('handles voice-transcript style: no punctuation, fillers, lower case, run-on', () => {
    expect(names('um so like i wanna get some uh climbing um shoes for the gym')).toEqual(
      expect.arrayContaining(['Climbing', 'Sports Equipment']),
    );
    expect(tier1s('uh so we were thinking like maybe a road trip down the coast um and then like skiing in colorado')).toEqual(
      expect.arrayContaining(['Travel', 'Sports']),
    );
  });

  it('gives weights in (0, 1], higher with interest and repetition', () => {
    const topics = extractor.extract('I love climbing. Climbing is my favorite thing, I climb every weekend');
    const climbing = topics.find((t) => t.topicId === '500');
    expect(climbing?.weight).toBeGreaterThan(0.8);
    for (const t of extractor.extract('golf tennis skiing surfing travel books wine coffee')) {
      expect(t.weight).toBeGreaterThan(0);
      expect(t.weight).toBeLessThanOrEqual(1);
    }
  });

  it('does not emit weak evidence alone ("my husband and I" is not a Family topic)', () => {
    expect(tier1s('my husband and I love hiking')).not.toContain('Family and Relationships');
  });

  it('returns nothing for empty or topic-free text', () => {
    expect(extractor.extract('')).toEqual([]);
    expect(extractor.extract('ok thanks, that makes sense')).toEqual([]);
  });
});

describe('negation', () => {
  it.each([
    'I hate golf',
    "I'm not into golf",
    'never liked golf',
    "I don't care about golf",
    'golf is boring',
    "golf isn't really my thing",
    'I can not stand golf',
    'Golf? No thanks.',
    "i'm so over golf",
    'golf has never interested me',
    "I've never been into golf",
    'um i dont really like golf tbh',
  ])('"%s" yields no golf', (text) => {
    expect(names(text)).not.toContain('Golf');
  });

  it('keeps the positive side of a contrast', () => {
    expect(names('I hate golf but I love tennis')).toEqual(['Tennis']);
    expect(names("I'm not into golf I'm into tennis")).toEqual(['Tennis']);
  });

  it('does not treat "can\'t wait", "not sure" or "never tried" as negation', () => {
    expect(names("I can't wait to go skiing")).toContain('Skiing');
    expect(names("I'm not sure which golf clubs to buy")).toContain('Golf');
    expect(names("I've never tried surfing but I want to learn")).toContain('Surfing and Bodyboarding');
  });
});
