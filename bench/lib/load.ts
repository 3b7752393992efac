import { Agent, request } from 'node:http';
import { signature } from '../../devkit/slack-requests.js';
import { SIGNING_SECRET } from '../../devkit/workspace.js';

/** One request Slack would send: a form body (slash command, or payload=<json> for interactivity). */
export interface SlackBody {
  body: string;
  contentType: string;
}

export interface Answer {
  status: number;
  text: string;
  ms: number;
  /** When it was sent, ms after the run started. */
  at?: number;
}

/** Signs a body as Slack does, with the current timestamp. */
export function signed(body: SlackBody, secret = SIGNING_SECRET): { body: string; headers: Record<string, string> } {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body: body.body,
    headers: {
      'content-type': body.contentType,
      'content-length': String(Buffer.byteLength(body.body)),
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature(secret, timestamp, body.body),
    },
  };
}

/** Sends one signed request and times it from the first byte written to the last byte of the answer. */
export function send(
  agent: Agent,
  port: number,
  req: { body: string; headers: Record<string, string> },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const r = request(
      { host: '127.0.0.1', port, path: '/slack/events', method: 'POST', headers: req.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

export interface LoadResult {
  latencies: number[];
  wallMs: number;
  throughput: number;
  /** Answers other than 200, by status. */
  errors: Record<string, number>;
  answers: Answer[];
}

/**
 * Sends every body with at most `concurrency` in flight (closed loop: each worker sends its next
 * request when the previous one is answered). Bodies are signed just before the run.
 */
export async function runLoad(
  port: number,
  bodies: SlackBody[],
  concurrency: number,
  sharedAgent?: Agent,
): Promise<LoadResult> {
  const agent = sharedAgent ?? new Agent({ keepAlive: true, maxSockets: concurrency });
  const prepared = bodies.map((b) => signed(b));
  const answers: Answer[] = new Array(bodies.length);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= prepared.length) return;
      const at = performance.now() - started;
      answers[i] = await send(agent, port, prepared[i]!).catch((error: Error) => ({
        status: -1,
        text: error.message,
        ms: Number.NaN,
      }));
      answers[i]!.at = at;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  const wallMs = performance.now() - started;
  if (!sharedAgent) agent.destroy();
  const errors: Record<string, number> = {};
  for (const a of answers) if (a.status !== 200) errors[a.status] = (errors[a.status] ?? 0) + 1;
  return {
    latencies: answers.filter((a) => a.status === 200).map((a) => a.ms),
    wallMs,
    throughput: (bodies.length / wallMs) * 1000,
    errors,
    answers,
  };
}
