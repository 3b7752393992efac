import type { Executor } from '../schema.js';

/** Next number of a sequence (IT, INC, CHG); call inside the transaction that creates the record. */
export async function nextNumber(db: Executor, name: string): Promise<number> {
  const row = await db
    .insertInto('counters')
    .values({ name, value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', 1) })))
    .returning('value')
    .executeTakeFirstOrThrow();
  return row.value;
}
