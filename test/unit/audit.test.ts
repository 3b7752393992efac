import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase } from '../support/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { auditFor, insertAudit } from '../../db/queries/audit.js';

const now = new Date('2026-03-02T10:00:00Z');

describe('audit_log', () => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeEach(async () => {
    opened = await openTestDatabase();
    await migrateToLatest(opened.db);
  });
  afterEach(async () => {
    await opened.close();
  });

  async function seed(): Promise<void> {
    await insertAudit(
      opened.db,
      {
        actor: { id: 'UAGENT01', name: 'alice' },
        action: 'ticket.claimed',
        recordType: 'ticket',
        recordId: 7,
        recordKey: 'IT-7',
        before: { status: 'new', assignee: null },
        after: {
          status: 'in_progress',
          assignee: 'UAGENT01',
          tags: ['vpn', 'ünïcødé 🎉'],
          nested: { n: 1.5, flag: false },
        },
        source: 'button',
        detail: 'claimed from triage',
      },
      now,
    );
  }

  it('accepts inserts and gives JSON before/after back as written', async () => {
    await seed();
    await insertAudit(
      opened.db,
      { actor: { id: 'system' }, action: 'ticket.closed', recordType: 'ticket', recordId: 7, source: 'job' },
      new Date(now.getTime() + 1000),
    );
    const rows = await auditFor(opened.db, 'ticket', 7);
    expect(rows).toHaveLength(2);
    const [first, second] = rows;
    expect(first).toMatchObject({
      at: now.getTime(),
      actor_id: 'UAGENT01',
      actor_name: 'alice',
      action: 'ticket.claimed',
      record_key: 'IT-7',
      source: 'button',
      detail: 'claimed from triage',
    });
    expect(JSON.parse(first!.before!)).toEqual({ status: 'new', assignee: null });
    expect(JSON.parse(first!.after!)).toEqual({
      status: 'in_progress',
      assignee: 'UAGENT01',
      tags: ['vpn', 'ünïcødé 🎉'],
      nested: { n: 1.5, flag: false },
    });
    // Absent before/after and names are stored as NULL, not as the string "undefined".
    expect(second).toMatchObject({
      actor_id: 'system',
      actor_name: null,
      before: null,
      after: null,
      record_key: null,
      detail: null,
    });
  });

  it('refuses UPDATE through the query builder and raw SQL', async () => {
    await seed();
    await expect(opened.db.updateTable('audit_log').set({ action: 'ticket.forged' }).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`UPDATE audit_log SET after = NULL`.execute(opened.db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE audit_log SET actor_id = 'UOTHER'`.execute(opened.db)).rejects.toThrow(/append-only/);
    const rows = await auditFor(opened.db, 'ticket', 7);
    expect(rows[0]).toMatchObject({ action: 'ticket.claimed', actor_id: 'UAGENT01' });
  });

  it('refuses DELETE, of one row or all of them', async () => {
    await seed();
    await expect(opened.db.deleteFrom('audit_log').where('id', '=', 1).execute()).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(opened.db)).rejects.toThrow(/append-only/);
    expect(await auditFor(opened.db, 'ticket', 7)).toHaveLength(1);
  });

  it('a refused edit inside a transaction rolls back the whole transaction', async () => {
    await seed();
    await expect(
      opened.db.transaction().execute(async (trx) => {
        await insertAudit(
          trx,
          { actor: { id: 'UAGENT01' }, action: 'ticket.resolved', recordType: 'ticket', recordId: 7, source: 'button' },
          now,
        );
        await trx.updateTable('audit_log').set({ detail: 'x' }).where('id', '=', 1).execute();
      }),
    ).rejects.toThrow(/append-only/);
    expect(await auditFor(opened.db, 'ticket', 7)).toHaveLength(1);
  });
});
