// Lists the misspellings the engine would read as a sensitive word (a dropped, doubled or swapped
// letter) that are real words of the language according to a word list (one word a line, e.g.
// Debian's wamerican /usr/share/dict/american-english), so a reviewer can add the ones that are
// not forms of the word itself as `not-a-typo` rows in lexicon/<lang>/cues.tsv.
//
// Usage: node tools/run.mjs tools/lexicon-typo-collisions.ts <lang> <word-list file>
import { readFileSync } from 'node:fs';
import { getLexiconEngine } from '@signalpath/signal-extraction';

const [lang, file] = process.argv.slice(2);
if (!lang || !file) {
  console.error('usage: lexicon-typo-collisions <lang> <word-list file>');
  process.exit(2);
}
const fold = (w: string) => w.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/['\u2019]/g, '');
const words = new Set(readFileSync(file, 'utf8').split(/\r?\n/).map(fold).filter(Boolean));
const variants = getLexiconEngine(lang).typoVariants;
let n = 0;
for (const [variant, word] of [...variants].sort()) {
  // A plural or other form of the word itself ("condom" / "condoms") is fine to read as it.
  if (!words.has(variant) || variant.startsWith(word) || word.startsWith(variant) || variant.replace(/s$/, '') === word.replace(/s$/, '')) continue;
  console.log(`${variant}\t${word}`);
  n++;
}
console.error(`${variants.size} variants, ${n} real words listed`);
