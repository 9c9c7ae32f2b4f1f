// A latency–throughput chart as hand-written SVG (no charting dependency): x is the achieved
// throughput, y the latency on a log scale (a knee spans decades), one polyline per series,
// each point labelled with its offered rate.

export interface CurveSeries {
  label: string;
  points: Array<{ x: number; y: number; rate: number }>;
  color: string;
  dashed?: boolean;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Powers of ten and their 2× and 5× between lo and hi (log axis ticks). */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

export function curveSvg(title: string, series: CurveSeries[]): string {
  const width = 720;
  const height = 420;
  const margin = { left: 70, right: 200, top: 40, bottom: 50 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y > 0);
  const xMax = Math.max(1, ...all.map((p) => p.x)) * 1.1;
  const yLo = 10 ** Math.floor(Math.log10(Math.min(...all.map((p) => p.y), 1)));
  const yHi = 10 ** Math.ceil(Math.log10(Math.max(...all.map((p) => p.y), yLo * 10)));
  const sx = (x: number) => margin.left + (x / xMax) * plotW;
  const sy = (y: number) => margin.top + plotH - ((Math.log10(y) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo))) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin.left}" y="22" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (const t of logTicks(yLo, yHi)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${margin.left}" y1="${y}" x2="${margin.left + plotW}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${t < 1 ? t.toFixed(t < 0.1 ? 2 : 1) : t}</text>`);
  }
  const xStep = 10 ** Math.floor(Math.log10(xMax / 2)) * (xMax / 10 ** Math.floor(Math.log10(xMax)) > 5 ? 2 : 1);
  for (let x = 0; x <= xMax; x += xStep) {
    const px = sx(x).toFixed(1);
    parts.push(`<line x1="${px}" y1="${margin.top}" x2="${px}" y2="${margin.top + plotH}" stroke="#f3f3f3"/>`);
    parts.push(`<text x="${px}" y="${margin.top + plotH + 16}" text-anchor="middle">${Math.round(x)}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">achieved throughput (OK answers/s)</text>`);
  parts.push(`<text x="16" y="${margin.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${margin.top + plotH / 2})">latency from intended send (ms, log)</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y > 0).sort((a, b) => a.x - b.x);
    const d = pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    for (const p of pts) {
      parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
      if (!s.dashed) parts.push(`<text x="${(sx(p.x) + 5).toFixed(1)}" y="${(sy(p.y) - 5).toFixed(1)}" fill="${s.color}">${p.rate}/s</text>`);
    }
    const ly = margin.top + 10 + i * 18;
    const lx = margin.left + plotW + 14;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    parts.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${escape(s.label)}</text>`);
  });
  parts.push(`<text x="${margin.left + plotW + 14}" y="${margin.top + 10 + series.length * 18 + 8}" fill="#555">labels: offered rate</text>`);
  parts.push('</svg>', '');
  return parts.join('\n');
}
