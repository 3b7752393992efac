import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';
import type { TrendPoint } from '../../src/domain/reports/scorecard.js';

/**
 * The 12-week trend chart: weekly MTTR (median, hours) above, SLA attainment (first response and
 * resolution, %) below. Rendered on the server: Vega lays it out to SVG with no browser or canvas, and
 * resvg rasterises the SVG to PNG (a prebuilt binary, no native build). Pure apart from CPU.
 */
function trendSpec(points: TrendPoint[], title: string): vega.Spec {
  const weeks = points.map((p) => ({ week: p.week }));
  const mttr = points
    .filter((p) => p.mttrMedian !== null)
    .map((p) => ({ week: p.week, hours: Math.round((p.mttrMedian! / 3_600_000) * 10) / 10 }));
  const sla = points.flatMap((p) => [
    ...(p.firstResponseSla === null
      ? []
      : [{ week: p.week, series: 'First response', value: Math.round(p.firstResponseSla * 1000) / 10 }]),
    ...(p.resolutionSla === null
      ? []
      : [{ week: p.week, series: 'Resolution', value: Math.round(p.resolutionSla * 1000) / 10 }]),
  ]);
  const panel = 140;
  const line = (data: string, y: string, field: string, stroke: Record<string, unknown>) => [
    {
      type: 'line',
      from: { data },
      encode: {
        enter: { x: { scale: 'x', field: 'week' }, y: { scale: y, field }, stroke, strokeWidth: { value: 2 } },
      },
    },
    {
      type: 'symbol',
      from: { data },
      encode: {
        enter: { x: { scale: 'x', field: 'week' }, y: { scale: y, field }, fill: stroke, size: { value: 30 } },
      },
    },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: 640,
    height: 2 * panel + 90,
    padding: 12,
    background: 'white',
    title: { text: title, anchor: 'start', fontSize: 15 },
    data: [
      { name: 'weeks', values: weeks },
      { name: 'mttr', values: mttr },
      { name: 'sla', values: sla },
    ],
    scales: [{ name: 'x', type: 'point', domain: { data: 'weeks', field: 'week' }, range: 'width', padding: 0.5 }],
    marks: [
      {
        type: 'group',
        title: { text: 'MTTR, median (hours)', anchor: 'start', fontSize: 12 },
        encode: { enter: { x: { value: 0 }, y: { value: 0 }, width: { signal: 'width' }, height: { value: panel } } },
        scales: [
          {
            name: 'yMttr',
            type: 'linear',
            domain: mttr.length ? { data: 'mttr', field: 'hours' } : [0, 1],
            range: [panel, 0],
            nice: true,
            zero: true,
          },
        ],
        axes: [
          { orient: 'bottom', scale: 'x', labelFontSize: 10 },
          { orient: 'left', scale: 'yMttr', grid: true, tickCount: 4 },
        ],
        marks: line('mttr', 'yMttr', 'hours', { value: '#c0392b' }),
      },
      {
        type: 'group',
        title: { text: 'SLA attainment (%)', anchor: 'start', fontSize: 12 },
        encode: {
          enter: { x: { value: 0 }, y: { value: panel + 60 }, width: { signal: 'width' }, height: { value: panel } },
        },
        scales: [
          { name: 'ySla', type: 'linear', domain: [0, 100], range: [panel, 0] },
          { name: 'colour', type: 'ordinal', domain: ['First response', 'Resolution'], range: ['#2471a3', '#229954'] },
        ],
        axes: [
          { orient: 'bottom', scale: 'x', labelFontSize: 10 },
          { orient: 'left', scale: 'ySla', grid: true, tickCount: 5 },
        ],
        legends: [{ stroke: 'colour', orient: 'bottom-right', direction: 'horizontal' }],
        marks: [
          {
            type: 'group',
            from: { facet: { name: 'series', data: 'sla', groupby: 'series' } },
            marks: line('series', 'ySla', 'value', { scale: 'colour', field: 'series' }),
          },
        ],
      },
    ],
  } as vega.Spec;
}

export async function renderTrendSvg(points: TrendPoint[], title: string): Promise<string> {
  const view = new vega.View(vega.parse(trendSpec(points, title)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderTrendPng(points: TrendPoint[], title: string): Promise<Buffer> {
  const svg = await renderTrendSvg(points, title);
  return Buffer.from(new Resvg(svg, { background: 'white', fitTo: { mode: 'width', value: 1300 } }).render().asPng());
}
