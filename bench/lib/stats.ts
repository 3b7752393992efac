import { readFileSync, writeFileSync } from 'node:fs';

/** Latency summary in milliseconds. */
export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Resident set size now and at its peak (Linux /proc; falls back to process.memoryUsage / maxRSS). */
export function memoryOf(pid: number | 'self' = 'self'): { rssMb: number; peakMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    if (pid !== 'self' && pid !== process.pid) return { rssMb: Number.NaN, peakMb: Number.NaN };
    return { rssMb: process.memoryUsage().rss / 1048576, peakMb: process.resourceUsage().maxRSS / 1024 };
  }
}

/** Resets this process's peak RSS (Linux), so the next peak belongs to the next piece of work. */
export function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export const ms = (value: number, digits = 1): string =>
  Number.isFinite(value) ? `${value.toFixed(digits)} ms` : 'n/a';
export const mb = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)} MB` : 'n/a');
export const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');

/** A plain-text table: first row is the header. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A target with its verdict, printed and stored in results.json. */
export interface TargetResult {
  name: string;
  pass: boolean;
  measured: string;
  limit: string;
  /** measured / limit (≤ 1 passes for "under" targets). */
  ratio: number;
}

export function target(name: string, measured: number, limit: number, unit: 'ms' | 'MB' | 'x'): TargetResult {
  const fmt = (v: number) => (unit === 'ms' ? ms(v) : unit === 'MB' ? mb(v) : ratio(v));
  return {
    name,
    pass: Number.isFinite(measured) && measured <= limit,
    measured: fmt(measured),
    limit: fmt(limit),
    ratio: measured / limit,
  };
}
