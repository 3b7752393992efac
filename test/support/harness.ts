import { FakeClock, type Clock } from '../../src/clock.js';
import { startSwitchboard, type Switchboard } from '../../src/bootstrap.js';
import { silentLogger } from '../../src/logger.js';
import { FakeSlack } from '../../devkit/fake-slack/server.js';
import { SlackRequests } from '../../devkit/slack-requests.js';
import { createTestDatabase } from './database.js';
import { populateFake, SIGNING_SECRET, testSettings } from '../../devkit/workspace.js';

export interface TestApp {
  fake: FakeSlack;
  sb: Switchboard;
  slack: SlackRequests;
  clock: Clock;
  dbPath: string;
  /** Waits until listeners finished and every deliverable outbox row went out. */
  settle(): Promise<void>;
  /** Stops the app (not the fake) and starts it again on the same database. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  settings?: Record<string, any>;
  clock?: Clock;
  fake?: FakeSlack;
  /** Keep the database in a temp file (default) or in memory. */
  memory?: boolean;
  env?: Record<string, string>;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const fake = populateFake(options.fake ?? (await new FakeSlack().start()));

  const database = await createTestDatabase({ memory: options.memory });
  const dbPath = database.path || ':memory:';
  const settings = testSettings(options.settings);
  const clock = options.clock ?? new FakeClock(new Date());
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    DATABASE_URL: database.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const boot = () => startSwitchboard({ env, settings, clock, logger: silentLogger, outboxPollMs: 25 });
  let sb = await boot();
  const slack = new SlackRequests(`http://127.0.0.1:${sb.port}`, SIGNING_SECRET, fake.baseUrl);

  const testApp: TestApp = {
    fake,
    get sb() {
      return sb;
    },
    slack,
    clock,
    dbPath,
    async settle() {
      let lastCalls = -1;
      let quietRounds = 0;
      for (let i = 0; i < 400 && quietRounds < 3; i++) {
        await new Promise((r) => setTimeout(r, 15));
        await sb.sender.flush();
        const ready = await sb.db
          .selectFrom('outbox')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', clock.now().getTime())
          .executeTakeFirstOrThrow();
        const quiet = fake.calls.length === lastCalls && Number(ready.n) === 0;
        quietRounds = quiet ? quietRounds + 1 : 0;
        lastCalls = fake.calls.length;
      }
    },
    async restart() {
      await sb.stop();
      sb = await boot();
      slack.appUrl = `http://127.0.0.1:${sb.port}`;
    },
    async stop() {
      await sb.stop();
      if (!options.fake) await fake.stop();
      await database.drop();
    },
  };
  return testApp;
}
