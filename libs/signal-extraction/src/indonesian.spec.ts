import { analyzeText } from './analyze';
import { getTaxonomy } from '@signalpath/taxonomy';

/**
 * Indonesian (lexicon/id): affixed and reduplicated forms, informal spellings, negation and
 * past preference, benign look-alikes, and voice transcripts (lower case, no punctuation,
 * fillers "anu", "em", repeated words).
 */
const taxonomy = getTaxonomy();
const tier1s = (text: string) => [...new Set(analyzeText(text).signals.filter((s) => s.adsEligible).map((s) => taxonomy.tier1NodeOf(s.topicId)?.name))].sort();
const classes = (text: string) => analyzeText(text).suppressed;

describe('Indonesian', () => {
  it('is analyzed, and Malay and Javanese are refused rather than read as Indonesian', () => {
    expect(analyzeText('rekomendasi sepatu lari buat pemula dong').language?.supported).toBe(true);
    expect(analyzeText('anak aku demam dah 3 hari, klinik mana yang bukak hari ahad?').language?.supported).toBe(false);
    expect(analyzeText('mas, warung bakso sing enak cedhak alun-alun ngendi?').language?.supported).toBe(false);
  });

  it('detects every class through affixes, reduplication and informal spelling', () => {
    expect(classes('temen2 gereja aku ibadahnya tiap minggu')).toContain('RELIGION');
    expect(classes('aku lagi berpuasa, menu sahurnya apa ya')).toContain('RELIGION');
    expect(classes('gw didiagnosa diabetis bulan lalu')).toContain('HEALTH');
    expect(classes('aku sama pacarku sama sama cewek, mau honeymoon')).toContain('SEXUAL_ORIENTATION');
    expect(classes('gue nyoblos 02 pas pilpres kemarin')).toContain('POLITICS');
    expect(classes('foundation buat kulit sawo matang yang cocok apa')).toContain('RACE');
    expect(classes('bokap gue orang batak, nyokap orang sunda')).toContain('ETHNIC_ORIGIN');
    expect(classes('aku gak percaya tuhan sejak kuliah')).toContain('PHILOSOPHICAL_BELIEFS');
    expect(classes('serikat pekerja kami mau mogok kerja')).toContain('TRADE_UNION');
    expect(tier1s('restoran halal di tokyo buat keluarga')).toEqual([]);
  });

  it('keeps benign look-alikes benign', () => {
    expect(tier1s('suku cadang motor beat ori dimana ya')).toContain('Automotive');
    expect(tier1s('jersey partai final liga champions mau beli dong')).toContain('Sports');
    expect(tier1s('pesta ulang tahun anakku enaknya pesen kue dimana')).toContain('Personal Celebrations & Life Events');
    expect(tier1s('motor gw mogok di jalan, bengkel terdekat dimana')).toContain('Automotive');
    expect(classes('tanaman hias yang gampang dirawat apa ya')).toEqual([]);
  });

  it('reads negation, past preference, refusal, rejection and sarcasm', () => {
    expect(tier1s('aku gak suka sepak bola sama sekali')).toEqual([]);
    expect(tier1s('golf? nggak deh, ngebosenin')).toEqual([]);
    expect(tier1s('dulu aku suka mancing, tapi udah berhenti dari lama')).toEqual([]);
    expect(tier1s('mending mati daripada naik kapal pesiar')).toEqual([]);
    expect(tier1s('wah hebat, sinetron lagi. seneng banget deh')).toEqual([]);
    // Question tags and purpose clauses are not dislikes.
    expect(tier1s('buku filosofi teras bagus gak buat pemula?')).toContain('Books and Literature');
    expect(tier1s('motor beat gue blm ganti oli, oli yang cocok apa ya')).toContain('Automotive');
  });

  it('holds on voice transcripts', () => {
    expect(tier1s('anu itu hotel di yogya yang deket malioboro yang murah apa ya')).toContain('Travel');
    expect(tier1s('em aku tuh gak suka nonton bola sih jujur')).toEqual([]);
    const mixed = 'eh aku kan hindu ya tapi btw mau beli sepeda lipat yang bagus apa';
    expect(classes(mixed)).toContain('RELIGION');
    expect(tier1s(mixed)).toContain('Sports');
    expect(classes('anu ibu saya kena kanker payudara stadium dua gimana ya')).toContain('HEALTH');
    expect(tier1s('anu ibu saya kena kanker payudara stadium dua gimana ya')).toEqual([]);
  });
});
