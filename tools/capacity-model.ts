// `npm run capacity`: the capacity model (issue 18 §4). Reads docs/benchmarks/capacity.json (from
// tools/bench/capacity.ts) and writes the tables into docs/capacity.md between the generated
// markers, at the stated default load. With load flags (a what-if), prints the tables instead and
// leaves the doc alone, so the committed doc always shows the default load
// (tools/capacity/src/model.spec.ts checks it).
//   npm run capacity [-- --daily-users 50000000 --messages 5 --peak 3 --shards 64 ...]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseLoad, renderTables, replaceGenerated, type CapacityMeasurements } from './capacity/src/model';

// Bundled by tools/run.mjs into dist/tools/: the workspace is two levels up.
const resolveRoot = (file: string) => path.resolve(__dirname, '..', '..', file);

try {
  const { load, overridden } = parseLoad(process.argv.slice(2));
  const measurements = JSON.parse(readFileSync(resolveRoot('docs/benchmarks/capacity.json'), 'utf8')) as CapacityMeasurements;
  const tables = renderTables(measurements, load);
  if (overridden) {
    console.log(tables);
  } else {
    const docFile = resolveRoot('docs/capacity.md');
    writeFileSync(docFile, replaceGenerated(readFileSync(docFile, 'utf8'), tables));
    console.log(`capacity: wrote the model into ${path.relative(process.cwd(), docFile)}`);
  }
} catch (error) {
  console.error(`capacity: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
