/** A scheduled report (weekly or monthly, one per period) and the delivery of its trend chart. */
export interface ReportDeliveryTable {
  /** e.g. weekly:2026-11-16 */
  key: string;
  kind: 'weekly' | 'monthly';
  spec: string;
  period_start: number;
  period_end: number;
  channel: string;
  /** slack_refs key of the posted scorecard; the chart goes into its thread. */
  ref_key: string;
  created_at: number;
  chart_status: 'pending' | 'done' | 'failed' | 'none';
  chart_attempts: number;
  chart_next_at: number;
  chart_error: string | null;
  chart_file_id: string | null;
}

export interface ReportTables {
  report_deliveries: ReportDeliveryTable;
}
