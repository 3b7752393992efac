import { describe, expect, it } from 'vitest';
import { benchAck } from '../../bench/ack.js';
import { benchBurst } from '../../bench/burst.js';
import { benchSweep } from '../../bench/sweep.js';
import { benchReports } from '../../bench/reports.js';
import { percentile, summarise } from '../../bench/lib/stats.js';

/** Each benchmark section at a trivial size, in this process: the bench keeps working as the app changes. */
describe('bench smoke', () => {
  it('summarises latencies with nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(summarise([3, 1, 2])).toMatchObject({ n: 3, p50: 2, p99: 3, max: 3 });
  });

  it('ack: files every submitted ticket and measures both targets', async () => {
    const r = await benchAck({ n: 10, c: 5, warmup: 5, inline: true });
    expect(r.ticketsFiled).toBe(15);
    // Each submission was stored before its ack: the measured latency includes the durable insert.
    expect(r.submissionsStored).toBe(15);
    expect(r.inboxInsert.n).toBeGreaterThan(0);
    expect(r.app.map((x) => x.latency.n)).toEqual([10, 10]);
    expect(r.floor.map((x) => x.latency.n)).toEqual([10, 10]);
    expect(r.targets.length).toBeGreaterThan(0);
  });

  it('burst: every triage post and DM exactly once', async () => {
    const r = await benchBurst({ burst: 2, windowMs: 100, deadlineMs: 8000, inline: true });
    expect(r.projected).toBe(false);
    expect(r.triage).toEqual({ posted: 2, missing: 0, duplicated: 0 });
    expect(r.dms).toEqual({ sent: 2, missing: 0, duplicated: 0 });
  }, 15_000);

  it('sweep: fires the due items through the partial index', async () => {
    const r = await benchSweep({ sizes: [200], dueNow: 5, duePerTicket: 2, reps: 1, inline: true });
    expect(r.sizes[0]!.fired).toEqual([5]);
    expect(r.plan.join(' ')).toContain('due_items_pending');
  });

  it('reports: runs, or says the module is not there', async () => {
    const r = await benchReports({ tickets: 200, incidents: 10, changes: 20, days: 60, runs: 1, inline: true });
    if ('skipped' in r) expect(r.skipped).toMatch(/reports module not present/);
    else expect(r.timings.map((t) => t.range)).toEqual(['quarter', 'year']);
  });
});
