import type { SensitiveClass } from '@signalpath/sensitive-topics';
import { LexiconSensitiveDetector } from './lexicon-models';

const detector = new LexiconSensitiveDetector();

const PHRASINGS: Record<SensitiveClass, string[]> = {
  HEALTH: [
    'I was diagnosed with diabetes last year',
    'my chemo starts next week',
    "I've been struggling with depression",
    "I think I'm pregnant",
    'my therapist says I should rest',
    'I have a migraine again',
    "I'm 20 weeks along and the baby is kicking",
    'um so my doctor wants me to get an mri',
    "I've been sober for six months",
  ],
  RELIGION: [
    'I pray every night',
    'we go to church on Sundays',
    'When does Ramadan start?',
    'looking for a mosque nearby',
    'we keep kosher at home',
    'As a Sikh I wear a turban',
    'my faith keeps me going',
    'our pastor asked me to lead bible study',
  ],
  POLITICS: [
    'I voted for the Democratic candidate',
    "what does the senator's bill mean for us",
    "I'm a lifelong Republican",
    'going to a protest this weekend',
    'who should I vote for',
    'thoughts on gun control?',
  ],
  SEXUAL_ORIENTATION: [
    'as a gay man I feel out of place',
    'my girlfriend and I are lesbians',
    "I'm bisexual",
    "I'm thinking about coming out to my parents",
    "I'm a guy and my boyfriend wants to move in",
    'we went to the pride parade',
  ],
  RACE: [
    "I'm Black and tired of it",
    'As a Black woman in tech',
    "I'm mixed race",
    'I experienced racism at work',
    'our kids are biracial',
    'as a white guy how do I talk about this',
  ],
  ETHNIC_ORIGIN: [
    'As a Latina I feel pressure',
    'my Irish heritage matters to me',
    'my parents immigrated from Vietnam',
    "I'm Nigerian",
    'my grandmother was Cherokee',
    "I'm half Korean",
    'my family is from Puerto Rico',
    'my grandparents came over from Sicily',
  ],
  TRADE_UNION: [
    'I joined the union',
    'my shop steward says we might strike',
    'how much are union dues',
    "we're trying to unionize",
    'we were on the picket line',
    "I'm a proud union electrician",
  ],
  PHILOSOPHICAL_BELIEFS: [
    "I'm an atheist",
    'veganism as an ethical philosophy',
    "I'm a pacifist",
    'I consider myself a secular humanist',
    'I went vegan for the animals',
  ],
};

describe('LexiconSensitiveDetector', () => {
  for (const [cls, phrasings] of Object.entries(PHRASINGS) as [SensitiveClass, string[]][]) {
    it(`detects ${cls} in several phrasings`, () => {
      for (const text of phrasings) expect({ text, classes: detector.detect(text) }).toEqual({ text, classes: expect.arrayContaining([cls]) });
    });
  }

  it('ignores polarity: denying a class still touches it', () => {
    expect(detector.detect("I'm not religious")).toContain('RELIGION');
    expect(detector.detect("I don't have diabetes")).toContain('HEALTH');
  });

  it('treats "pray" as religion even in idioms (documented decision)', () => {
    expect(detector.detect('fingers crossed and praying for good weather at the wedding')).toContain('RELIGION');
  });

  it.each([
    'my husband and I love hiking',
    'my wife and I are planning a trip',
    'running a marathon next month',
    'I need a black dress and white sneakers for Friday',
    "I'll call you later, I'm so tired",
    'I opened an account at the credit union',
    'a bit of retail therapy at the mall',
    'the new iPhone is coming out soon',
    'we love Mexican food and Irish pubs',
    'As an English teacher I grade a lot of essays',
    'my dog threw up on the carpet, is that normal',
    'Who won the Oscars for best picture?',
    'I am studying for my medical school exams',
    'the European Union trade rules',
    'what a rash decision',
  ])('does not flag benign "%s"', (text) => {
    expect(detector.detect(text)).toEqual([]);
  });

  it('returns distinct classes sorted alphabetically', () => {
    const classes = detector.detect("I'm a gay atheist and I pray sometimes; I'm also diabetic");
    expect(classes).toEqual([...new Set(classes)].sort());
    expect(classes).toEqual(expect.arrayContaining(['HEALTH', 'PHILOSOPHICAL_BELIEFS', 'RELIGION', 'SEXUAL_ORIENTATION']));
  });
});
