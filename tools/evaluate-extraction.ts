// Evaluates topic extraction and sensitive-content suppression, per language, on the labelled sets
// under libs/signal-extraction/eval: the blind rounds (per-language rows and voice rows, held to
// the targets of issue 14), the outside-dev set and the language helpers' own development sets
// (eval/dev/<lang>.jsonl, blind format; both reported beside them) and the older English set (held
// to its issue 4 targets). Prints tables, writes the figures as JSON, exits non-zero when a
// target is missed.
//
// Usage: npm run eval:extraction -- [--lang es] [--set blind|outside-dev|dev|legacy] [--round round-1]
//                                   [--json out.json] [--verbose] [blind-format.jsonl ...]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as extraction from '@signalpath/signal-extraction';

const EVAL_DIR = 'libs/signal-extraction/eval';
const LEGACY_FILE = path.join(EVAL_DIR, 'messages.jsonl');
const OUTSIDE_DEV_FILE = path.join(EVAL_DIR, 'outside-dev', 'messages.jsonl');
const DEV_DIR = path.join(EVAL_DIR, 'dev');
const DEFAULT_JSON = 'dist/eval/extraction.json';

type SetName = 'blind' | 'outside-dev' | 'dev' | 'legacy';

interface Args {
  langs: string[];
  sets: SetName[];
  round: string;
  json: string;
  verbose: boolean;
  files: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { langs: [], sets: [], round: 'round-1', json: DEFAULT_JSON, verbose: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--verbose' || a === '-v') args.verbose = true;
    else if (a === '--lang') args.langs.push(...value().split(','));
    else if (a === '--set') {
      const s = value();
      if (s !== 'blind' && s !== 'outside-dev' && s !== 'dev' && s !== 'legacy') throw new Error(`--set must be blind, outside-dev, dev or legacy, not ${s}`);
      args.sets.push(s);
    } else if (a === '--round') args.round = value();
    else if (a === '--json') args.json = value();
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else args.files.push(a);
  }
  if (args.sets.length === 0) args.sets = args.files.length > 0 ? ['blind'] : ['blind', 'outside-dev', 'dev', 'legacy'];
  return args;
}

const analyzer: extraction.LanguageAnalyzer = (text, options) => extraction.analyzeText(text, options);

function blindFiles(args: Args): string[] {
  if (args.files.length > 0) return args.files;
  const dir = path.join(EVAL_DIR, 'blind', args.round);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => path.join(dir, f));
}

function keepLangs(messages: extraction.BlindMessage[], langs: string[]): extraction.BlindMessage[] {
  if (langs.length === 0) return messages;
  return messages.filter((m) => langs.includes(m.kind === 'unsupported' ? 'unsupported' : m.lang));
}

function details(report: extraction.LanguageReport, messages: extraction.BlindMessage[]): void {
  const textOf = new Map(messages.map((m) => [m.id, m.text]));
  const show = (title: string, rows: string[]) => {
    if (rows.length === 0) return;
    console.log(`  ${title}:`);
    for (const row of rows) console.log(`    ${row}`);
  };
  for (const r of report.rows) {
    if (r.voiceOnly) continue;
    console.log(`\n[${r.row}]`);
    show('leaks', r.leaks.ids.map((id) => `${id}: ${textOf.get(id)}`));
    show('sensitive classes missed', r.detection.misses.map((m) => `${m.id} missing ${m.missing.join(',')}: ${textOf.get(m.id)}`));
    show('negation false positives', r.negation.ids.map((id) => `${id}: ${textOf.get(id)}`));
    show('mixed misses', r.mixed.misses.map((m) => `${m.id} expected ${m.expected.join('|')} got ${m.predicted.join('|') || '-'}: ${textOf.get(m.id)}`));
    show('benign misses / extras', r.benign.misses.map((m) => `${m.id} expected ${m.expected.join('|')} got ${m.predicted.join('|') || '-'}: ${textOf.get(m.id)}`));
  }
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const out: Record<string, unknown> = { generatedAt: new Date().toISOString() };
  const failures: string[] = [];

  if (args.sets.includes('blind')) {
    const files = blindFiles(args);
    const messages = keepLangs(
      files.flatMap((f) => extraction.parseBlindMessages(readFileSync(f, 'utf8'), path.relative(process.cwd(), path.resolve(f)))),
      args.langs,
    );
    const report = extraction.evaluateLanguages(messages, analyzer, { targets: extraction.LANGUAGE_TARGETS });
    const t = extraction.LANGUAGE_TARGETS;
    console.log(`Blind set ${args.files.length > 0 ? args.files.join(', ') : args.round}: ${messages.length} messages`);
    console.log(
      `targets per launch language: 0 leaks, detection >= ${t.minDetection}, benign recall >= ${t.minBenignRecall}, precision >= ${t.minPrecision}, negation FP <= ${t.maxNegationFalsePositiveRate}; unsupported row: 0 leaks\n`,
    );
    console.log(extraction.formatLanguageTable(report));
    if (args.verbose) details(report, messages);
    failures.push(...report.failures);
    out.blind = { round: args.round, files, report };
  }

  if (args.sets.includes('outside-dev')) {
    const messages = keepLangs(extraction.parseOutsideDevMessages(readFileSync(OUTSIDE_DEV_FILE, 'utf8')), args.langs);
    const report = extraction.evaluateLanguages(messages, analyzer, { voiceRows: false });
    console.log(`\nOutside-dev set (${OUTSIDE_DEV_FILE}; development figures, no targets): ${messages.length} messages\n`);
    console.log(extraction.formatLanguageTable(report));
    if (args.verbose) details(report, messages);
    out.outsideDev = { report };
  }

  if (args.sets.includes('dev') && existsSync(DEV_DIR)) {
    // Each language helper's own development set, written before its lexicon work (blind format).
    const files = readdirSync(DEV_DIR).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(DEV_DIR, f));
    const messages = keepLangs(files.flatMap((f) => extraction.parseBlindMessages(readFileSync(f, 'utf8'), f)), args.langs);
    const report = extraction.evaluateLanguages(messages, analyzer);
    console.log(`\nDevelopment sets (${DEV_DIR}/*.jsonl; development figures, no targets): ${messages.length} messages\n`);
    console.log(extraction.formatLanguageTable(report));
    if (args.verbose) details(report, messages);
    out.dev = { files, report };
  }

  if (args.sets.includes('legacy') && (args.langs.length === 0 || args.langs.includes('en'))) {
    const messages = extraction.parseLabelledMessages(readFileSync(LEGACY_FILE, 'utf8'));
    const r = extraction.evaluate(messages);
    const c = r.counts;
    console.log(`\nEnglish development set (${LEGACY_FILE}, issue 4 targets): ${c.total} messages`);
    console.log(
      `  benign precision ${r.benign.precision.toFixed(3)}, recall ${r.benign.recall.toFixed(3)}; mixed recall ${r.mixed.recall.toFixed(3)}; detection ${r.sensitive.detectionRate.toFixed(3)} (${r.sensitive.detected}/${r.sensitive.expected}); leaks ${r.leaks.count} (allowSensitiveContent ${r.leaks.withSensitiveContentAllowed.count}); wrongly suppressed ${r.wronglySuppressed.count}/${c.benign}; negation FP ${r.negation.falsePositives}/${c.negation}`,
    );
    if (args.verbose) for (const f of r.failures) console.log(`  ${f}`);
    failures.push(...r.failures.map((f) => `English development set: ${f}`));
    out.legacy = { report: r };
  }

  mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nJSON: ${args.json}`);
  if (failures.length > 0) {
    console.error(`\nFAILED targets (${failures.length}):\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('All targets met.');
}

main();
