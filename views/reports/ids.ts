/** Action ids the reporting surfaces use. */
export const REPORT_ACTIONS = {
  /** App Home: DM me the last 7 days' scorecard. */
  homeScorecard: 'reports.home_scorecard',
} as const;

/**
 * Approve / Reject on the Home tab. The change area owns these ids and their handlers (the same ones
 * its approval messages use); the Home tab only renders them, with the change id as the value.
 */
export const CHANGE_DECISION_ACTIONS = {
  approve: 'change.approve',
  reject: 'change.reject',
} as const;

export const HOME_CALLBACK_ID = 'reports.home';
