import { sql, type Kysely } from 'kysely';

// Frozen: a schema change is a new migration file.
//
// The outbox row's control data moves out of the Slack arguments into columns of its own:
// - attempt_started_at: when the latest call whose outcome is not known yet started (a crash or a
//   timeout in between leaves it set, and the sender then looks in Slack before sending again);
// - fills: JSON [{path, value}] of values known only at send time (a channel still to be created, a
//   message not yet posted, a person's display name), set into the arguments at those paths;
// - on_failure: JSON {method, args} owed instead if the call fails for good;
// - name_suffix: for conversations.create, the numeric suffix added after name_taken answers.
// Pending rows written before this migration carried these inside their arguments; they are moved.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE outbox ADD COLUMN attempt_started_at BIGINT`.execute(db);
  await sql`ALTER TABLE outbox ADD COLUMN fills TEXT`.execute(db);
  await sql`ALTER TABLE outbox ADD COLUMN on_failure TEXT`.execute(db);
  await sql`ALTER TABLE outbox ADD COLUMN name_suffix INTEGER`.execute(db);
  const pending = (
    await sql<{ id: number; payload: string }>`SELECT id, payload FROM outbox WHERE status = 'pending'`.execute(db)
  ).rows;
  for (const row of pending) {
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    const { __on_failure: onFailure, __base_name: baseName, __suffix: suffix, ...args } = payload;
    if (typeof baseName === 'string') args.name = baseName;
    const fills: { path: (string | number)[]; value: unknown }[] = [];
    const literal = extract(args, [], fills);
    await sql`UPDATE outbox SET payload = ${JSON.stringify(literal)}, fills = ${fills.length ? JSON.stringify(fills) : null},
      on_failure = ${onFailure ? JSON.stringify(onFailure) : null}, name_suffix = ${typeof suffix === 'number' ? suffix : null}
      WHERE id = ${row.id}`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE outbox DROP COLUMN name_suffix`.execute(db);
  await sql`ALTER TABLE outbox DROP COLUMN on_failure`.execute(db);
  await sql`ALTER TABLE outbox DROP COLUMN fills`.execute(db);
  await sql`ALTER TABLE outbox DROP COLUMN attempt_started_at`.execute(db);
}

const LEGACY = /\{\{ref:([^:}]+):(channel|ts|permalink)\}\}|\{\{name:([UW][A-Z0-9]+)\}\}/g;

/** Rows written by the earlier sender: {$ref} objects and {{…}} placeholders become fills. */
function extract(
  value: unknown,
  path: (string | number)[],
  fills: { path: (string | number)[]; value: unknown }[],
): unknown {
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as { $ref?: unknown }).$ref === 'string'
  ) {
    fills.push({ path, value });
    return null;
  }
  if (typeof value === 'string' && value.includes('{{')) {
    const parts: unknown[] = [];
    let last = 0;
    for (const match of value.matchAll(LEGACY)) {
      if (match.index! > last) parts.push(value.slice(last, match.index));
      parts.push(match[3] ? { $name: match[3] } : { $ref: match[1], field: match[2] });
      last = match.index! + match[0].length;
    }
    if (parts.length === 0) return value;
    if (last < value.length) parts.push(value.slice(last));
    fills.push({ path, value: { $compose: parts } });
    return null;
  }
  if (Array.isArray(value)) return value.map((v, i) => extract(v, [...path, i], fills));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = extract(v, [...path, k], fills);
    return out;
  }
  return value;
}
