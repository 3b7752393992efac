import { clearLeftoverSchemas } from './database.js';

/** Runs once before the suite. */
export default async function setup(): Promise<void> {
  await clearLeftoverSchemas();
}
