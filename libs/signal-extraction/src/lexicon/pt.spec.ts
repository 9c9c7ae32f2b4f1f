import { getTaxonomy } from '@signalpath/taxonomy';
import { getSensitiveTopicPolicy, SENSITIVE_PROXIES } from '@signalpath/sensitive-topics';
import { analyzeText } from '../analyze';
import { getLexiconEngine } from '../engine';
import { languageFolder } from '../language/data';
import { tokenize } from '../text';
import { parseTopicSpec, splitPhrases } from './lexicon';

/**
 * The Portuguese lexicon (lexicon/pt, pt-BR and pt-PT): the data is well formed and the behaviours
 * issue 14 asks of every supported language hold on Portuguese chat text, typed and transcribed.
 */
const pt = getLexiconEngine('pt');
const folder = languageFolder('pt');
const taxonomy = getTaxonomy();
const tier1 = (id: string) => taxonomy.tier1NodeOf(id)?.name ?? id;
const ads = (text: string) => [...new Set(analyzeText(text).signals.filter((s) => s.adsEligible).map((s) => tier1(s.topicId)))].sort();

describe('the Portuguese lexicon data', () => {
  it('is supported and names every node by its id and exact taxonomy name', () => {
    expect(folder?.status).toBe('supported');
    for (const [spec] of pt.data.topicLines) {
      for (const { id, name } of parseTopicSpec(spec)) expect({ spec, name: taxonomy.get(id)?.name }).toEqual({ spec, name });
    }
  });

  it('has topic vocabulary for every Tier-1 that may be emitted', () => {
    const policy = getSensitiveTopicPolicy();
    const covered = new Set((folder?.files.topics ?? []).flatMap((r) => parseTopicSpec(r.cells[0]).map((t) => tier1(t.id))));
    // "Genres" is deliberately not emitted: chat users mean the medium (a horror film is Entertainment, a fantasy novel Books).
    const emittable = taxonomy.tier1Nodes().filter((n) => !policy.isRestricted(n.id) && policy.sensitiveClassOf(n.id) === undefined && n.name !== 'Genres');
    expect(emittable.map((n) => n.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it('has phrases for every proxy of the reviewed list', () => {
    const used = new Set((folder?.files.sensitive ?? []).map((r) => r.cells[0]).filter((t) => t.startsWith('proxy:')));
    expect(SENSITIVE_PROXIES.map((p) => `proxy:${p.id}`).filter((id) => !used.has(id))).toEqual([]);
  });

  it('never puts a voice filler inside a phrase (fillers are skipped, such a phrase could never match)', () => {
    const single = [...pt.data.fillers].filter((f) => !f.includes(' '));
    const offending: string[] = [];
    for (const [, phrases] of [...pt.data.topicLines, ...pt.data.cueLines]) {
      for (const phrase of splitPhrases(phrases)) {
        const words = tokenize(phrase.replace(/^[~!+]+/, '').replace(/=/g, '')).surface;
        if (words.some((w) => single.includes(w))) offending.push(phrase);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe('Portuguese messages', () => {
  it.each([
    ['descobri que tenho pressão alta, posso tomar café?', 'HEALTH'],
    ['meu açucar no sangue ta sempre alto', 'HEALTH'],
    ['sou diabetico tipo 2', 'HEALTH'],
    ['tô tomando sertralina faz um mês', 'HEALTH'],
    ['sou do candomblé, que presente levar pra oxum?', 'RELIGION'],
    ['vou no terreiro de umbanda sábado', 'RELIGION'],
    ['sou crente, qual bíblia de estudo comprar?', 'RELIGION'],
    ['jejum de daniel pode comer pão?', 'RELIGION'],
    ['sou sapatão assumida', 'SEXUAL_ORIENTATION'],
    ['sou um homem casado, obrigado, eu e meu marido queremos viajar', 'SEXUAL_ORIENTATION'],
    ['vou votar no lula de novo', 'POLITICS'],
    ['sou filiado ao psol', 'POLITICS'],
    ['fazendo campanha pro meu candidato a vereador', 'POLITICS'],
    ['creme pra cabelo crespo 4c', 'RACE'],
    ['sou parda e sofro racismo', 'RACE'],
    ['sou descendente de japoneses', 'ETHNIC_ORIGIN'],
    ['minha avó era italiana', 'ETHNIC_ORIGIN'],
    ['moro numa comunidade quilombola', 'ETHNIC_ORIGIN'],
    ['sou ateu e minha família não aceita', 'PHILOSOPHICAL_BELIEFS'],
    ['a CUT chamou greve geral', 'TRADE_UNION'],
    ['sou sindicalizada', 'TRADE_UNION'],
  ])('reveal their class and yield nothing for ads: %s', (text, cls) => {
    const a = analyzeText(text);
    expect(a.language?.code).toBe('pt');
    expect(a.suppressed).toContain(cls);
    expect(a.signals.filter((s) => s.adsEligible)).toEqual([]);
  });

  it('read a dropped, doubled or swapped letter and missing accents in sensitive words', () => {
    for (const text of ['tenho diabetis', 'sou evangelicco', 'o sindicatto vai parar', 'to com depresao', 'sou catolca praticante']) {
      expect({ text, suppressed: analyzeText(text).suppressed.length > 0 }).toEqual({ text, suppressed: true });
    }
  });

  it('find ordinary interests across Tier-1s', () => {
    expect(ads('qual notebook bom pra programar?')).toEqual(['Technology & Computing']);
    expect(ads('receita de bolo de cenoura fofinho')).toEqual(['Food & Drink']);
    expect(ads('passagem barata pra lisboa em julho')).toEqual(['Travel']);
    expect(ads('meu carro tá fazendo barulho no freio')).toEqual(['Automotive']);
    expect(ads('qual ração pro meu cachorro filhote?')).toEqual(['Pets']);
  });

  it('keep benign look-alikes benign', () => {
    expect(ads('tô morrendo de vontade de comer um açaí')).toEqual(['Food & Drink']);
    expect(ads('o bar da praça da igreja matriz abre domingo?')).toEqual(['Attractions']);
    expect(ads('caiu o telemóvel e o ecrã ficou partido')).toEqual(['Technology & Computing']);
    expect(analyzeText('meu deus que calor, qual ventilador comprar?').suppressed).toEqual([]);
    // Snowball stems shared with everyday words: "direito" is not "direita", "pelo" (fur) is not "pele".
    expect(analyzeText('qual faculdade de direito é melhor em bh').suppressed).toEqual([]);
    expect(analyzeText('meu gato tem pelo preto e branco').suppressed).toEqual([]);
    expect(ads('quando é a vacina do cachorro?')).toEqual(['Pets']);
  });

  it('name the topic of a look-alike written as an exception and an ordinary phrase of that topic', () => {
    // An exception names nothing (lexicon.ts): these sit on their topic's line as both.
    expect(ads('vai ter greve de metrô amanhã? preciso ir pro centro')).toEqual(['Travel']);
    expect(analyzeText('vai ter greve de metrô amanhã? preciso ir pro centro').suppressed).toEqual([]);
    expect(ads('quanto custa subir no cristo redentor?')).toContain('Attractions');
    // ... and an idiom listed under a topic still does not name it ("caça palavras" is no hunting, no sport).
    expect(ads('baixei um app de caça palavras')).not.toContain('Sports');
  });

  it('give no interest for negated, sarcastic, refused or abandoned mentions', () => {
    for (const text of [
      'não curto futebol',
      'nem a pau que eu faço cruzeiro',
      'deixei de jogar videogame faz anos',
      'não gosto mais de sertanejo',
      'ah que ótimo, mais futebol na tv',
      'tá bom, sei, como se eu fosse comprar um iphone',
      'prefiro morrer a fazer trilha',
      'eu pescava todo fim de semana mas larguei',
      'futebol americano é muito chato',
    ]) {
      expect({ text, signals: analyzeText(text).signals }).toEqual({ text, signals: [] });
    }
    // A genuine positive interest beside the rejected one stays.
    expect(ads('larguei a corrida, agora só faço crochê')).toEqual(['Hobbies & Interests']);
  });

  it('keep an independent request after a connector (mas, aliás, ah e) in a sensitive message', () => {
    expect(ads('sou evangélica. aliás, qual o melhor celular até 1500?')).toEqual(['Technology & Computing']);
    expect(ads('tenho artrite. ah e qual série vocês recomendam?')).toEqual(['Entertainment']);
  });

  it('hold on lower-case unpunctuated voice transcripts with fillers', () => {
    expect(analyzeText('então eu tenho tipo pressão alta né e queria um doce').signals).toEqual([]);
    expect(analyzeText('hum eu sou gay né e queria um bar legal').suppressed).toContain('SEXUAL_ORIENTATION');
    expect(analyzeText('então eu jogava vôlei mas deixei de jogar tipo faz uns cinco anos').signals).toEqual([]);
    expect(ads('aí hum quanto tempo leva de carro de são paulo pra paraty tipo pelo litoral')).toContain('Travel');
  });
});
