import type { ExportKind } from '../../src/domain/reports/scorecard.js';

/**
 * CSV for auditors and BI tools: RFC 4180 (comma separated, CRLF line ends, a field holding a comma,
 * quote, CR or LF is quoted and its quotes doubled), times as ISO 8601 UTC. A text cell starting with
 * = + - @ (or tab / carriage return) is prefixed with a single quote so a spreadsheet never runs it as a
 * formula (CSV injection).
 */
export interface CsvColumn {
  header: string;
  value(row: Record<string, unknown>): string | number | null | undefined;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: (string | number | null | undefined)[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}

/** Streams rows into CSV text; the caller holds one page of rows at a time. */
export async function writeCsv(
  columns: CsvColumn[],
  rows: AsyncIterable<Record<string, unknown>>,
): Promise<{ csv: string; rows: number }> {
  const parts = [csvLine(columns.map((c) => c.header))];
  let count = 0;
  for await (const row of rows) {
    parts.push(csvLine(columns.map((c) => c.value(row))));
    count += 1;
  }
  return { csv: parts.join(''), rows: count };
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
const minutes = (a: unknown, b: unknown): number | null =>
  a === null || a === undefined || b === null || b === undefined ? null : Math.round((Number(a) - Number(b)) / 60_000);
const col = (header: string, key = header): CsvColumn => ({ header, value: (r) => r[key] as string | number | null });
const time = (header: string, key = header): CsvColumn => ({ header, value: (r) => iso(r[key]) });

export function exportColumns(kind: ExportKind): CsvColumn[] {
  switch (kind) {
    case 'tickets':
      return [
        col('key'),
        time('created_at'),
        col('priority'),
        col('category'),
        col('service'),
        col('status'),
        col('source'),
        col('requester_id'),
        col('requester_name'),
        col('assignee_id'),
        col('first_assignee_id'),
        time('first_response_at'),
        time('first_response_due_at'),
        // The scorecard's outcomes (met / breached / pending / cancelled), read from the history as of the export.
        { header: 'first_response_sla', value: (r) => r.first_response_outcome as string | null },
        time('resolution_due_at'),
        time('resolved_at'),
        col('resolved_by'),
        { header: 'resolution_sla', value: (r) => r.resolution_outcome as string | null },
        col('resolution_code'),
        time('closed_at'),
        time('cancelled_at'),
        col('reopen_count'),
        col('reassignment_count'),
        time('escalated_at'),
        col('hold_reason', 'hold_reason_as_of'),
        col('csat_score'),
        time('csat_requested_at'),
        time('csat_at'),
        col('summary'),
      ];
    case 'incidents':
      return [
        col('key'),
        col('severity'),
        col('status'),
        col('title'),
        col('services'),
        col('declared_by'),
        col('commander_id'),
        time('started_at'),
        time('declared_at'),
        time('acknowledged_at'),
        time('mitigated_at'),
        time('resolved_at'),
        time('closed_at'),
        { header: 'mtta_minutes', value: (r) => minutes(r.acknowledged_at, r.declared_at) },
        { header: 'mttr_minutes', value: (r) => minutes(r.resolved_at, r.declared_at) },
        { header: 'mttr_from_start_minutes', value: (r) => minutes(r.resolved_at, r.started_at) },
        col('channel_name'),
      ];
    case 'changes':
      return [
        col('key'),
        col('type'),
        col('risk'),
        col('status'),
        col('outcome'),
        col('title'),
        col('services'),
        col('requester_id'),
        col('implementer_id'),
        col('template_id'),
        time('planned_start'),
        time('planned_end'),
        time('created_at'),
        time('submitted_at'),
        time('approved_at'),
        time('rejected_at'),
        { header: 'approval_lead_minutes', value: (r) => minutes(r.approved_at, r.submitted_at) },
        time('completed_at'),
        col('freeze_override'),
        col('freeze_override_reason'),
        col('linked_incidents'),
        time('reviewed_at'),
        col('reviewed_by'),
      ];
    case 'audit':
      return [
        col('id'),
        time('at'),
        col('actor_id'),
        col('actor_name'),
        col('action'),
        col('record_type'),
        col('record_id'),
        col('record_key'),
        col('source'),
        col('before'),
        col('after'),
        col('detail'),
      ];
  }
}
