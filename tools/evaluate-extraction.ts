// Evaluates topic extraction and sensitive-content suppression on a labelled message set and
// measures extraction throughput. Exits non-zero when a target of issue 4 is missed.
// Usage: node tools/run.mjs tools/evaluate-extraction.ts [messages.jsonl] [--verbose] [--seconds N]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
// eslint-disable-next-line @nx/enforce-module-boundaries -- an evaluation tool runs the signal domain lib directly
import { analyzeText, evaluate, EVALUATION_TARGETS, parseLabelledMessages, type LabelledMessage } from '@signalpath/signal-extraction';

const DEFAULT_FILE = 'libs/signal-extraction/eval/messages.jsonl';
const TARGET_LENGTH = 200;

function parseArgs(argv: string[]): { file: string; verbose: boolean; seconds: number } {
  let file = DEFAULT_FILE;
  let verbose = false;
  let seconds = 3;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--seconds') seconds = Number(argv[++i]);
    else file = a;
  }
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds must be a positive number');
  return { file: path.resolve(file), verbose, seconds };
}

/** Joins the set's messages into ~200-character messages (the size the issue asks about). */
function throughputCorpus(messages: readonly LabelledMessage[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const m of messages) {
    current = current ? `${current} ${m.text}` : m.text;
    if (current.length >= TARGET_LENGTH) {
      out.push(current.slice(0, TARGET_LENGTH + 40));
      current = '';
    }
  }
  if (current) out.push(current);
  return out;
}

function measureThroughput(corpus: string[], seconds: number): { perSecond: number; meanLength: number; microsPerMessage: number; analyzed: number } {
  // Warm-up: compile the lexicon and let the JIT settle before timing.
  const warmUntil = performance.now() + 1000;
  while (performance.now() < warmUntil) for (const text of corpus) analyzeText(text);
  let analyzed = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    for (const text of corpus) analyzeText(text);
    analyzed += corpus.length;
  }
  const elapsed = (performance.now() - start) / 1000;
  const meanLength = corpus.reduce((n, t) => n + t.length, 0) / corpus.length;
  return { perSecond: analyzed / elapsed, meanLength, microsPerMessage: (elapsed * 1e6) / analyzed, analyzed };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function main(): void {
  const { file, verbose, seconds } = parseArgs(process.argv.slice(2));
  const messages = parseLabelledMessages(readFileSync(file, 'utf8'));
  const r = evaluate(messages);
  const t = EVALUATION_TARGETS;
  const c = r.counts;

  console.log(`Extraction evaluation: ${path.relative(process.cwd(), file)}`);
  console.log(`  messages: ${c.total} (benign ${c.benign}, sensitive ${c.sensitive}, mixed ${c.mixed}, negation ${c.negation})`);
  console.log(`  benign Tier-1 precision: ${r.benign.precision.toFixed(3)}  (tp ${r.benign.truePositives}, fp ${r.benign.falsePositives})`);
  console.log(`  benign Tier-1 recall:    ${r.benign.recall.toFixed(3)}  (target >= ${t.minBenignRecall}; missed ${r.benign.falseNegatives})`);
  console.log(`  mixed-message recall:    ${r.mixed.recall.toFixed(3)}  (target >= ${t.minMixedRecall}; missed ${r.mixed.falseNegatives})`);
  console.log(
    `  sensitive detection:     ${r.sensitive.detectionRate.toFixed(3)}  (target >= ${t.minSensitiveDetection}; classes ${r.sensitive.detected}/${r.sensitive.expected}, messages fully detected ${pct(r.sensitive.messageDetectionRate)})`,
  );
  for (const [cls, v] of Object.entries(r.sensitive.perClass)) console.log(`      ${cls.padEnd(22)} ${v.detected}/${v.expected}`);
  console.log(`  leaks:                   ${r.leaks.count} (with allowSensitiveContent: ${r.leaks.withSensitiveContentAllowed.count}; target ${t.maxLeaks})`);
  console.log(`  benign wrongly suppressed: ${r.wronglySuppressed.count}/${c.benign} = ${pct(r.wronglySuppressed.rate)} (target <= ${pct(t.maxWronglySuppressedRate)})`);
  console.log(`  negation false positives:  ${r.negation.falsePositives}/${c.negation} = ${pct(r.negation.rate)}`);

  const corpus = throughputCorpus(messages);
  const tp = measureThroughput(corpus, seconds);
  console.log(
    `  throughput: ${Math.round(tp.perSecond).toLocaleString('en-US')} messages/s single thread (${tp.microsPerMessage.toFixed(1)} µs each; ${corpus.length} messages of ~${Math.round(tp.meanLength)} chars, ${tp.analyzed.toLocaleString('en-US')} analyzed in repeated passes over ${seconds}s)`,
  );

  if (verbose || r.failures.length > 0) {
    const show = (title: string, rows: string[]) => {
      if (rows.length === 0) return;
      console.log(`\n${title}:`);
      for (const row of rows) console.log(`  ${row}`);
    };
    const textOf = new Map(messages.map((m) => [m.id, m.text]));
    show('leaks', r.leaks.ids.map((id) => `${id}: ${textOf.get(id)}`));
    show('leaks with allowSensitiveContent', r.leaks.withSensitiveContentAllowed.ids.map((id) => `${id}: ${textOf.get(id)}`));
    show('sensitive classes missed', r.sensitive.misses.map((m) => `${m.id} missing ${m.missing.join(',')}: ${textOf.get(m.id)}`));
    show('benign wrongly suppressed', r.wronglySuppressed.ids.map((id) => `${id}: ${textOf.get(id)} → ${analyzeText(textOf.get(id) ?? '').suppressed.join(',')}`));
    show('negation false positives', r.negation.ids.map((id) => `${id}: ${textOf.get(id)}`));
    show('mixed misses', r.mixed.misses.map((m) => `${m.id} expected ${m.expected.join('|')} got ${m.predicted.join('|') || '-'}: ${textOf.get(m.id)}`));
    show(
      'benign misses (expected Tier-1 not found)',
      r.benign.misses
        .filter((m) => m.expected.some((e) => !m.predicted.includes(e)))
        .map((m) => `${m.id} expected ${m.expected.join('|')} got ${m.predicted.join('|') || '-'}: ${textOf.get(m.id)}`),
    );
    if (verbose) {
      show(
        'benign extra Tier-1s (precision)',
        r.benign.misses
          .filter((m) => m.predicted.some((p) => !m.expected.includes(p)))
          .map((m) => `${m.id} expected ${m.expected.join('|')} got ${m.predicted.join('|')}: ${textOf.get(m.id)}`),
      );
    }
  }

  if (r.failures.length > 0) {
    console.error(`\nFAILED targets:\n  ${r.failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('\nAll targets met.');
}

main();
