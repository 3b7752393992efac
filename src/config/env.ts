import { z } from 'zod';

/** Process environment: secrets and where things live. Operational settings are in the YAML file. */
const SLACK_APPS = 'https://api.slack.com/apps';

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({
      error: `SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your app's "OAuth & Permissions" page at ${SLACK_APPS}`,
    })
    .regex(
      /^xox[bp]-/,
      'SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)',
    ),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(
      /^xapp-/,
      'SLACK_APP_TOKEN must be an app-level token starting with xapp- ("Basic Information" → App-Level Tokens, scope connections:write)',
    )
    .optional(),
  PORT: z.coerce.number({ error: 'PORT must be a whole number from 0 to 65535' }).int().min(0).max(65535).default(3000),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: 'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/' })
    .transform((url) => (url.endsWith('/') ? url : `${url}/`))
    .optional(),
  DATABASE_URL: z.string().min(1).default('file:./data/switchboard.db'),
  ITOPS_CONFIG: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

/** Where the database lives: an SQLite file path, ':memory:', or a PostgreSQL URL (passed through). */
export function databaseLocation(env: Pick<Env, 'DATABASE_URL'>): string {
  const url = env.DATABASE_URL;
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  return url.startsWith('file:') ? url.slice('file:'.length) : url;
}

/** The location as it may be shown in logs and errors: a PostgreSQL URL's password replaced by ***. */
export function shownLocation(location: string): string {
  if (!/^postgres(ql)?:\/\//.test(location)) return location;
  const url = new URL(location);
  if (url.password) url.password = '***';
  return url.toString();
}

export type ConfigResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** One line per problem, in words a person can act on. */
export function formatIssues(error: Pick<z.ZodError, 'issues'>, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.join('.');
    if (issue.message.startsWith(where) && where) return issue.message;
    return where ? `${prefix}${where}: ${issue.message}` : `${prefix}${issue.message}`;
  });
}

export function parseEnv(source: Record<string, string | undefined>): ConfigResult<Env> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  const problems = result.success ? [] : formatIssues(result.error);
  // HTTP mode needs the signing secret; Socket Mode does not. Checked apart from the schema so that
  // every problem is reported in one go.
  if (!cleaned.SLACK_APP_TOKEN && !cleaned.SLACK_SIGNING_SECRET) {
    problems.push(
      `SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's "Basic Information" page at ${SLACK_APPS} (or set SLACK_APP_TOKEN to use Socket Mode instead)`,
    );
  }
  return problems.length === 0 && result.success ? { ok: true, value: result.data } : { ok: false, problems };
}
