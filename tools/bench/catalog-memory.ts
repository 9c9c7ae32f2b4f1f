// Memory of RankingService's in-memory catalog (CatalogIndex) per 100,000 items: the heap after a
// forced GC with the index built, minus the heap before, for catalogs of 10k, 100k and 200k
// synthetic items shaped like the demo catalog (1-3 IAB topics, a 30-50 character title, a fifth
// of them limited to two surfaces, ads with an advertiser). Items arrive as the change feed gives
// them (fresh objects from the driver), so strings are not shared by accident.
//   SIGNALPATH_TOOL_NODE_FLAGS=--expose-gc node tools/run.mjs tools/bench/catalog-memory.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { common, ranking } from '@signalpath/proto';
import { getTaxonomy } from '@signalpath/taxonomy';
import { CatalogIndex } from '../../apps/ranking-service/src/catalog/catalog-index';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with SIGNALPATH_TOOL_NODE_FLAGS=--expose-gc');
  process.exit(2);
}
const collect = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};

const topics = [...getTaxonomy().all()].map((node) => node.id).slice(0, 600);
const KINDS = [ranking.ItemKind.ITEM_KIND_POST, ranking.ItemKind.ITEM_KIND_REEL, ranking.ItemKind.ITEM_KIND_GROUP, ranking.ItemKind.ITEM_KIND_AD];

function item(i: number): ranking.Item {
  const kind = KINDS[i % KINDS.length];
  const count = 1 + (i % 3);
  const topicIds = [...new Set(Array.from({ length: count }, (_, k) => topics[(i * 7 + k * 131) % topics.length]))].map((id) => Buffer.from(id).toString());
  return {
    itemId: `item-${i.toString(36)}-${(i * 2654435761) % 1_000_000}`,
    kind,
    title: `Catalog item number ${i} about ${'something '.repeat(1 + (i % 3))}`.trim(),
    topicIds,
    advertiserId: kind === ranking.ItemKind.ITEM_KIND_AD ? `advertiser-${i % 500}` : '',
    surfaces: i % 5 === 0 ? [common.Surface.SURFACE_INSTAGRAM, common.Surface.SURFACE_FACEBOOK] : [],
    baseScore: (i * 37) % 1001,
    createTime: new Date(Date.UTC(2026, 0, 1) + i * 1000),
  };
}

const rows: Array<{ items: number; heapBytes: number; bytesPerItem: number; mbPer100k: number }> = [];
/** In a function of its own, so nothing of one size's index is reachable when the next is measured. */
function heapOf(size: number): number {
  const before = collect();
  const index = new CatalogIndex();
  for (let i = 0; i < size; i++) index.put(item(i), true);
  index.seal();
  const heapBytes = collect() - before;
  if (index.size !== size) throw new Error('index lost items');
  return heapBytes;
}

for (const size of [10_000, 100_000, 200_000]) {
  const heapBytes = heapOf(size);
  rows.push({ items: size, heapBytes, bytesPerItem: heapBytes / size, mbPer100k: (heapBytes / size) * 100_000 / 2 ** 20 });
  console.error(`  ${size} items: ${(heapBytes / 2 ** 20).toFixed(1)} MiB, ${(heapBytes / size).toFixed(0)} B/item`);
}
const lines = ['| items | heap MiB | bytes / item | MiB per 100k items |', '|---|---|---|---|', ...rows.map((r) => `| ${r.items} | ${(r.heapBytes / 2 ** 20).toFixed(1)} | ${r.bytesPerItem.toFixed(0)} | ${r.mbPer100k.toFixed(1)} |`)];
console.log(lines.join('\n'));
const out = path.resolve(process.cwd(), 'docs', 'benchmarks');
writeFileSync(path.join(out, 'catalog-memory.json'), JSON.stringify({ time: new Date().toISOString(), node: process.version, rows }, null, 2) + '\n');
writeFileSync(path.join(out, 'catalog-memory.md'), `# RankingService in-memory catalog: memory per item\n\nMeasured ${new Date().toISOString()}, Node ${process.version}, heap after forced GC (\`tools/bench/catalog-memory.ts\`).\n\n${lines.join('\n')}\n`);
