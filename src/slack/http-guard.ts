import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../logger.js';

/**
 * Stands in front of Bolt's HTTP receiver: a request to the Slack endpoint is read whole, its signature
 * and timestamp checked (a timestamp more than 5 minutes away from now, in the past or in the future,
 * is refused with 401), and its body checked for the shape Slack sends: an interactivity `payload=` of
 * a JSON object with a `type`, a slash command's form, or an Events API JSON object with a `type`.
 * Anything else (`payload=null`, JSON `null`, an array, a number, truncated JSON, no `type`) is answered
 * 400 with a log line and never reaches Bolt. The body is handed on already read, so Bolt parses the
 * same bytes that were checked.
 */
const MAX_SKEW_S = 5 * 60;
const BODY_LIMIT = 4 * 1024 * 1024; // Bolt's own limit

export function guardSlackRequests(options: {
  listener: RequestListener;
  signingSecret: string;
  endpoints: string[];
  logger: Logger;
  now?: () => number;
}): RequestListener {
  const { listener, signingSecret, endpoints, logger } = options;
  const now = options.now ?? Date.now;
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'POST' || !endpoints.includes(path)) return listener(req, res);
    void readBody(req).then(
      (raw) => {
        if (raw === undefined) return refuse(res, 413, 'body too large', logger, req);
        const problem = signatureProblem(req, raw, signingSecret, now());
        if (problem) return refuse(res, 401, problem, logger, req);
        const shape = shapeProblem(req.headers['content-type'], raw);
        if (shape) return refuse(res, 400, shape, logger, req);
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
        listener(req, res);
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'could not read a request body');
        if (!res.headersSent) refuse(res, 400, 'unreadable body', logger, req);
      },
    );
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function signatureProblem(req: IncomingMessage, raw: Buffer, secret: string, nowMs: number): string | undefined {
  const signature = req.headers['x-slack-signature'];
  const stamp = req.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof stamp !== 'string') return 'missing signature or timestamp';
  const seconds = Number(stamp);
  if (!Number.isInteger(seconds)) return 'malformed timestamp';
  if (Math.abs(Math.floor(nowMs / 1000) - seconds) > MAX_SKEW_S) return 'timestamp more than 5 minutes from now';
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${stamp}:`).update(raw).digest('hex')}`;
  const a = Buffer.from(signature);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'bad signature';
  return undefined;
}

const isObjectWithType = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  typeof (value as { type?: unknown }).type === 'string' &&
  (value as { type: string }).type !== '';

/** Why this body is not something Slack sends, or undefined when it is. */
function shapeProblem(contentType: string | undefined, raw: Buffer): string | undefined {
  const text = raw.toString('utf8');
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = parseQuery(text);
    if (form.ssl_check === '1') return undefined;
    if ('payload' in form) {
      if (typeof form.payload !== 'string') return 'payload given more than once';
      let payload: unknown;
      try {
        payload = JSON.parse(form.payload);
      } catch {
        return 'payload is not JSON';
      }
      return isObjectWithType(payload) ? undefined : 'payload is not an object with a type';
    }
    if (typeof form.command === 'string' && form.command.startsWith('/')) return undefined;
    return 'form is neither a command nor an interaction payload';
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  return isObjectWithType(body) ? undefined : 'body is not an object with a type';
}

function refuse(res: ServerResponse, status: number, reason: string, logger: Logger, req: IncomingMessage): void {
  logger.warn(
    { status, reason, contentType: req.headers['content-type'], path: req.url },
    "refused a request not shaped like Slack's",
  );
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: false, error: reason }));
}
