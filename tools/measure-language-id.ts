// Measures language identification on short chat messages: npm candidates (tinyld, eld, cld3-asm, franc-min)
// and the extractor's own identifier, on the round-1 blind sets and the outside-dev set, including
// romanized Hindi and code-switched rows. Per language: the share identified as the row's language
// (a library with no romanized-Hindi or mixed label is credited with the base language: hi-Latn →
// hi, hi-en → hi or en, es-en → es or en), the share refused as unsupported, and the time per message.
//
// Usage: node tools/run.mjs tools/measure-language-id.ts [--round round-1] [--verbose <candidate>]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as extraction from '@signalpath/signal-extraction';

const EVAL_DIR = 'libs/signal-extraction/eval';
/** Base languages the extractor has folders for (supported or not yet): a library's answer outside these is a refusal. */
const LAUNCH_BASE = new Set(['en', 'es', 'pt', 'hi', 'id', 'fr', 'de']);

interface Verdict {
  /** A launch-language code ("es", "hi-Latn", "hi-en", ...) or "" when refused. */
  code: string;
}

interface Candidate {
  name: string;
  version: string;
  identify(text: string): Verdict;
}

function accepted(row: extraction.BlindMessage, code: string, lenient: boolean): boolean {
  if (code === row.lang) return true;
  if (!lenient) return false;
  if (row.lang === 'hi-Latn') return code === 'hi';
  if (row.lang === 'hi-en') return code === 'hi' || code === 'en' || code === 'hi-Latn';
  if (row.lang === 'es-en') return code === 'es' || code === 'en';
  return false;
}

async function libraries(): Promise<Candidate[]> {
  const version = (pkg: string) => (JSON.parse(readFileSync(path.join('node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  // tinyld ships CommonJS
  const tinyld = require('tinyld') as { detect(text: string): string };
  // eld and franc-min are ES modules only.
  // A variable specifier: the package's types are reachable only through its "exports" map.
  const eldSmall = 'eld/small';
  const eldModule = (await import(eldSmall)) as { eld: { detect(text: string): { language: string; isReliable(): boolean } } };
  const franc = (await import('franc-min')) as { franc(text: string, options?: { minLength?: number }): string };
  const cld3 = (await import('cld3-asm')) as { loadModule(): Promise<{ create(min: number, max: number): { findLanguage(text: string): { language: string; is_reliable: boolean } } }> };
  const cld = (await cld3.loadModule()).create(0, 1000);
  const iso3to1: Record<string, string> = { eng: 'en', spa: 'es', por: 'pt', hin: 'hi', ind: 'id', fra: 'fr', deu: 'de' };
  const keep = (code: string) => (LAUNCH_BASE.has(code) ? code : '');
  return [
    { name: 'tinyld (normal)', version: version('tinyld'), identify: (text) => ({ code: keep(tinyld.detect(text)) }) },
    {
      name: 'eld (small)',
      version: version('eld'),
      identify: (text) => {
        const r = eldModule.eld.detect(text);
        return { code: r.isReliable() ? keep(r.language) : '' };
      },
    },
    {
      name: 'cld3-asm',
      version: version('cld3-asm'),
      identify: (text) => {
        const r = cld.findLanguage(text);
        return { code: r.is_reliable ? (r.language === 'hi-Latn' ? 'hi-Latn' : keep(r.language)) : '' };
      },
    },
    { name: 'franc-min', version: version('franc-min'), identify: (text) => ({ code: keep(iso3to1[franc.franc(text, { minLength: 3 })] ?? '') }) },
  ];
}

const methodCounts = new Map<string, number>();

function ours(): Candidate {
  return {
    name: 'signal-extraction identifyLanguage',
    version: 'this repo',
    identify: (text) => {
      const v = extraction.identifyLanguage(text);
      methodCounts.set(v.method, (methodCounts.get(v.method) ?? 0) + 1);
      // Identified as a launch language (supported or pending) → its label; anything else is a refusal.
      return { code: v.known && extraction.languageFolders().find((f) => f.code === v.code)?.status !== 'unsupported' ? extraction.verdictLabel(v) : '' };
    },
  };
}

function load(round: string): extraction.BlindMessage[] {
  const dir = path.join(EVAL_DIR, 'blind', round);
  const blind = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => extraction.parseBlindMessages(readFileSync(path.join(dir, f), 'utf8'), f));
  const outside = extraction.parseOutsideDevMessages(readFileSync(path.join(EVAL_DIR, 'outside-dev', 'messages.jsonl'), 'utf8'));
  return [...blind, ...outside];
}

function measure(candidate: Candidate, rows: extraction.BlindMessage[], verbose: boolean): { perLang: Map<string, { n: number; right: number; strict: number; refused: number }>; micros: number } {
  const perLang = new Map<string, { n: number; right: number; strict: number; refused: number }>();
  for (const row of rows) {
    const key = row.kind === 'unsupported' ? 'unsupported' : row.lang;
    let s = perLang.get(key);
    if (!s) perLang.set(key, (s = { n: 0, right: 0, strict: 0, refused: 0 }));
    const { code } = candidate.identify(row.text);
    s.n++;
    if (code === '') s.refused++;
    if (row.kind !== 'unsupported' && accepted(row, code, true)) s.right++;
    if (row.kind !== 'unsupported' && accepted(row, code, false)) s.strict++;
    const wrong = row.kind === 'unsupported' ? code !== '' : !accepted(row, code, false);
    if (verbose && wrong) console.log(`  ${row.id} [${row.lang}] → ${code || 'refused'}: ${row.text}`);
  }
  // Speed: repeated passes over every row after a warm-up.
  const texts = rows.map((r) => r.text);
  for (const t of texts) candidate.identify(t);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    for (const t of texts) candidate.identify(t);
    n += texts.length;
  }
  return { perLang, micros: ((performance.now() - start) * 1000) / n };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const round = argv.includes('--round') ? argv[argv.indexOf('--round') + 1] : 'round-1';
  const verboseFor = argv.includes('--verbose') ? argv[argv.indexOf('--verbose') + 1] : undefined;
  const rows = load(round);
  const candidates = [...(await libraries()), ours()];
  console.log(`Language identification on ${rows.length} short messages (blind ${round} + outside-dev), Node ${process.version}\n`);
  const results = candidates.map((c) => ({ c, ...measure(c, rows, verboseFor !== undefined && c.name.startsWith(verboseFor)) }));
  const langs = [...new Set(rows.map((r) => (r.kind === 'unsupported' ? 'unsupported' : r.lang)))];
  const order = (l: string) => (l === 'unsupported' ? 99 : extraction.LAUNCH_LANGUAGES.indexOf(l));
  langs.sort((a, b) => order(a) - order(b));
  const header = ['language', 'n', ...results.map((r) => `${r.c.name} ${r.c.version}`)];
  const table = langs.map((lang) => [
    lang,
    String(results[0].perLang.get(lang)?.n ?? 0),
    ...results.map((r) => {
      const s = r.perLang.get(lang);
      if (!s) return '-';
      if (lang === 'unsupported') return `refused ${(s.refused / s.n).toFixed(2)}`;
      return `${(s.strict / s.n).toFixed(2)} / ${(s.right / s.n).toFixed(2)} (refused ${(s.refused / s.n).toFixed(2)})`;
    }),
  ]);
  table.push(['µs/message', '', ...results.map((r) => r.micros.toFixed(1))]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(render(header));
  console.log(render(widths.map((w) => '-'.repeat(w))));
  for (const row of table) console.log(render(row));
  const counted = [...methodCounts.values()].reduce((a, b) => a + b, 0);
  console.log(`\nsignal-extraction identifyLanguage decided by: ${[...methodCounts].map(([m, n]) => `${m} ${((100 * n) / counted).toFixed(1)}%`).join(', ')}`);
  console.log('cells: exact label / label or its base language (hi-Latn → hi; hi-en → hi or en; es-en → es or en), and the share refused');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
