// Extraction throughput on one core (this process, one thread): messages per second for the whole
// pipeline (normalization → language identification → extraction → policy) and for its parts,
// each as a ratio to plain tokenization measured in the same run, so figures from a loaded machine
// stay comparable. Target (issue 14): analyzeText ≥ 20,000 messages/s on the chat corpus.
//
// Corpora: "chat" = every message of the evaluation sets as written (blind round 1, outside-dev,
// the English development set: short chat messages in eleven language groups, voice transcripts,
// refusals and library fallbacks included); "English" = the English development set alone (all
// analyzed); "200-char" = those English messages joined into ~200-character messages.
//
// Usage: npm run bench:extraction [-- --seconds 10] [--rounds 5] [--json out.json]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as extraction from '@signalpath/signal-extraction';

const EVAL_DIR = 'libs/signal-extraction/eval';
const TARGET_PER_SECOND = 20_000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function corpora(): Record<string, string[]> {
  const english = extraction.parseLabelledMessages(readFileSync(path.join(EVAL_DIR, 'messages.jsonl'), 'utf8')).map((m) => m.text);
  const dir = path.join(EVAL_DIR, 'blind', 'round-1');
  const blind = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => extraction.parseBlindMessages(readFileSync(path.join(dir, f), 'utf8'), f).map((m) => m.text));
  const outside = extraction.parseOutsideDevMessages(readFileSync(path.join(EVAL_DIR, 'outside-dev', 'messages.jsonl'), 'utf8')).map((m) => m.text);
  const joined: string[] = [];
  let current = '';
  for (const text of english) {
    current = current ? `${current} ${text}` : text;
    if (current.length >= 200) {
      joined.push(current.slice(0, 240));
      current = '';
    }
  }
  return { chat: [...blind, ...outside, ...english], English: english, '200-char': joined };
}

/** Messages per second of `fn` over the corpus, after a warm-up, for about `seconds`. */
function rate(corpus: readonly string[], seconds: number, fn: (text: string) => unknown): number {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) for (const t of corpus) fn(t);
  let n = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    for (const t of corpus) fn(t);
    n += corpus.length;
  }
  return n / ((performance.now() - start) / 1000);
}

function main(): void {
  const seconds = Number(arg('--seconds', '10'));
  const rounds = Number(arg('--rounds', '5'));
  const jsonFile = arg('--json', 'dist/bench/extraction.json');
  // Compile every supported lexicon before timing (a service does it at start).
  const lexicons = extraction.compileLexicons();
  const sets = corpora();
  const rows: Array<{ corpus: string; step: string; perSecond: number; ratioToTokenize: number; microsPerMessage: number }> = [];
  const methods = new Map<string, number>();
  for (const t of sets.chat) {
    const m = extraction.identifyLanguage(extraction.normalizeText(t)).method;
    methods.set(m, (methods.get(m) ?? 0) + 1);
  }
  // The machine is shared: every row is measured in each of `rounds` interleaved rounds and the
  // best round is kept (the closest to an uncontended core); ratios compare best with best.
  const steps: Array<[string, (t: string) => unknown]> = [
    ['tokenize (baseline)', (t) => extraction.tokenize(t)],
    ['normalize + identify language', (t) => extraction.identifyLanguage(extraction.normalizeText(t))],
    ['analyzeText (whole pipeline)', (t) => extraction.analyzeText(t)],
  ];
  const best = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, corpus] of Object.entries(sets)) {
      for (const [step, fn] of steps) {
        const key = `${name}\u0000${step}`;
        best.set(key, Math.max(best.get(key) ?? 0, rate(corpus, seconds / rounds, fn)));
      }
    }
  }
  for (const [name, corpus] of Object.entries(sets)) {
    const meanChars = Math.round(corpus.reduce((n, t) => n + t.length, 0) / corpus.length);
    const label = `${name} (${corpus.length} messages, ~${meanChars} chars)`;
    const baseline = best.get(`${name}\u0000${steps[0][0]}`) ?? 1;
    for (const [step] of steps) {
      const perSecond = best.get(`${name}\u0000${step}`) ?? 0;
      rows.push({ corpus: label, step, perSecond, ratioToTokenize: perSecond / baseline, microsPerMessage: 1e6 / perSecond });
    }
  }

  console.log(`Extraction throughput, one thread (Node ${process.version}, best of ${rounds} interleaved rounds, ${seconds}s per row; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
  console.log(`chat corpus decided by: ${[...methods].map(([m, n]) => `${m} ${((100 * n) / sets.chat.length).toFixed(1)}%`).join(', ')}\n`);
  const header = ['corpus', 'step', 'messages/s', 'µs/message', 'ratio to tokenize'];
  const table = rows.map((r) => [r.corpus, r.step, Math.round(r.perSecond).toLocaleString('en-US'), r.microsPerMessage.toFixed(1), r.ratioToTokenize.toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(render(header));
  console.log(render(widths.map((w) => '-'.repeat(w))));
  for (const row of table) console.log(render(row));

  // Stemmers: cost of a first (uncached) stem, over the distinct words of each language's round-1 set.
  console.log('\nStemmers (first stem of each distinct word of the language\'s round-1 messages; later ones are memoized):');
  const dir = path.join(EVAL_DIR, 'blind', 'round-1');
  const stemmerRows: Array<{ language: string; stemmer: string; words: number; microsPerWord: number }> = [];
  for (const folder of extraction.languageFolders().filter((f) => f.status !== 'unsupported')) {
    const file = path.join(dir, `${folder.code}.jsonl`);
    const words = [...new Set(extraction.parseBlindMessages(readFileSync(file, 'utf8'), file).flatMap((m) => extraction.tokenize(m.text, { stem: (w) => w }).surface))];
    // The stemmer memoizes, so the timed words are made new to it with a suffix unique to this run.
    const stem = extraction.stemmerFor(folder.stemmer);
    const suffix = `q${Date.now() % 1000}`;
    const start = performance.now();
    for (const w of words) stem(`${w}${suffix}`);
    const micros = ((performance.now() - start) * 1000) / words.length;
    stemmerRows.push({ language: folder.code, stemmer: folder.stemmer, words: words.length, microsPerWord: micros });
    console.log(`  ${folder.code.padEnd(8)} ${folder.stemmer.padEnd(11)} ${String(words.length).padStart(5)} words  ${micros.toFixed(2)} µs/word`);
  }

  const chat = rows.find((r) => r.corpus.startsWith('chat') && r.step.startsWith('analyzeText'));
  mkdirSync(path.dirname(path.resolve(jsonFile)), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify({ seconds, rounds, lexicons, methods: Object.fromEntries(methods), rows, stemmers: stemmerRows }, null, 2)}\n`);
  console.log(`\nJSON: ${jsonFile}`);
  if (!chat || chat.perSecond < TARGET_PER_SECOND) {
    console.error(`\nFAILED: analyzeText on the chat corpus ${Math.round(chat?.perSecond ?? 0).toLocaleString('en-US')} messages/s < ${TARGET_PER_SECOND.toLocaleString('en-US')}`);
    process.exit(1);
  }
  console.log(`Target met: analyzeText on the chat corpus >= ${TARGET_PER_SECOND.toLocaleString('en-US')} messages/s.`);
}

main();
