// Prints each lexicon folder's status, row counts and checksum; with --write, pins the checksums in
// libs/signal-extraction/lexicon/<lang>/CHECKSUM (a test fails while a folder's data differs from
// its pin, so every data edit shows up in review as a pin change).
// Usage: npm run lexicon:checksum [-- --write]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { languageFolders } from '@signalpath/signal-extraction';

const LEXICON_DIR = 'libs/signal-extraction/lexicon';
const write = process.argv.includes('--write');
for (const folder of languageFolders()) {
  const rows = Object.entries(folder.files)
    .map(([file, list]) => `${file} ${list?.length ?? 0}`)
    .join(', ');
  console.log(`${folder.code.padEnd(8)} ${folder.status.padEnd(11)} ${folder.checksum}  ${rows}`);
  if (write) writeFileSync(path.join(LEXICON_DIR, folder.code, 'CHECKSUM'), `${folder.checksum}\n`);
}
if (write) console.log('\nPinned. Commit the CHECKSUM files with the data they pin.');
