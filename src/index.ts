import { ConfigError, startSwitchboard } from './bootstrap.js';

/** `npm start`: configuration problems are printed one per line, with no stack trace, and exit 1. */
try {
  const switchboard = await startSwitchboard({ env: process.env });
  // Once started, nothing stops the process but a signal: a promise nobody awaited or an exception in a
  // callback is logged, and Switchboard keeps serving (every use case is one transaction, so a failure
  // part-way leaves nothing half-written; owed messages stay in the outbox).
  process.on('unhandledRejection', (reason) =>
    switchboard.logger.error({ err: reason }, 'unhandled rejection; still serving'),
  );
  process.on('uncaughtException', (error) =>
    switchboard.logger.error({ err: error }, 'uncaught exception; still serving'),
  );
  const shutdown = (signal: string) => {
    process.stderr.write(`${signal} received, shutting down\n`);
    switchboard.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write('Switchboard cannot start:\n');
    for (const problem of error.problems) process.stderr.write(`  - ${problem}\n`);
    process.exit(1);
  }
  throw error;
}
