/**
 * The sweep's picture, in the form of the paper's load figures (NSDI'19
 * Figs. 5–8): for each request type a panel of p99 latency (µs, or p99
 * slowdown) against achieved throughput (kRPS), one line per series
 * (policy). Panels are drawn by Observable Plot on a linkedom document (no
 * browser) and laid side by side in one standalone SVG with a legend.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { SweepResult } from './sweep.js';

/** Observable's categorical palette (observable10), fixed so the legend and the panels agree. */
const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'];

export interface PlotOptions {
  /** 'latency': p99 in µs (Figs. 5, 8); 'slowdown': p99 slowdown (Fig. 6). */
  metric?: 'latency' | 'slowdown';
  logY?: boolean;
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function sweepSvg(r: SweepResult, o: PlotOptions = {}): string {
  const metric = o.metric ?? 'latency';
  const w = o.width ?? 420, h = o.height ?? 320;
  const series = [...new Set(r.points.map((p) => p.series))];
  const types = r.points[0]?.result.types.map((t) => t.type) ?? [];
  const panels = types.length > 1 ? [...types, 'all'] : types;
  const { document } = parseHTML('<!DOCTYPE html><html><body></body></html>');
  const svgs = panels.map((type) => {
    const data = r.points.flatMap((p) => {
      const t = type === 'all' ? p.result.all : p.result.types.find((x) => x.type === type);
      const y = t ? (metric === 'latency' ? t.p99Us : t.slowdownP99) : NaN;
      return t && t.count > 0 && Number.isFinite(y) ? [{ series: p.series, krps: p.result.achievedRps / 1000, y }] : [];
    });
    const el = Plot.plot({
      document: document as unknown as Document,
      width: w, height: h, marginLeft: 56, marginTop: 28,
      x: { label: 'throughput (kRPS)', grid: true, zero: true },
      y: { label: metric === 'latency' ? 'p99 latency (µs)' : 'p99 slowdown', grid: true, ...(o.logY ? { type: 'log' as const } : { zero: true }) },
      color: { domain: series, range: series.map((_, i) => PALETTE[i % PALETTE.length]!) },
      marks: [
        Plot.line(data, { x: 'krps', y: 'y', stroke: 'series', marker: 'circle' }),
        Plot.text([type === 'all' ? 'all requests' : type], { frameAnchor: 'top', dy: -20, fontSize: 12, fontWeight: 'bold' }),
      ],
    }) as unknown as { outerHTML: string };
    return el.outerHTML;
  });
  const legendH = 22, titleH = 22;
  const totalW = Math.max(1, panels.length) * w, totalH = h + legendH + titleH;
  const c = r.spec.series[0]!;
  const title = `Shinjuku, ${c.workers} workers, ${c.app}, ${c.dist}${c.policy !== 'cfcfs' ? `, quantum ${c.quantumUs} µs` : ''}`;
  const legend = series.map((s, i) => {
    const x = 10 + i * 110;
    return `<g transform="translate(${x},${titleH + 6})"><line x1="0" x2="18" y1="6" y2="6" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"/><circle cx="9" cy="6" r="3" fill="${PALETTE[i % PALETTE.length]}"/><text x="24" y="10" font-size="11">${esc(s.toUpperCase())}</text></g>`;
  }).join('');
  const body = svgs.map((s, i) => s.replace(/^<svg /, `<svg x="${i * w}" y="${legendH + titleH}" `)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${totalH}" viewBox="0 0 ${totalW} ${totalH}" font-family="system-ui, sans-serif" color="black">`
    + `<rect width="100%" height="100%" fill="white"/><text x="10" y="16" font-size="13">${esc(title)}</text>${legend}${body}</svg>\n`;
}
