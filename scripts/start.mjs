// `npm start` and `npm run migrate`: run the app built by `npm run build` from dist/, never compiling.
// Without a build, say so in one line instead of Node's module-not-found stack trace.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const migrate = process.argv[2] === 'migrate';
const entry = join(root, 'dist', migrate ? 'db/migrate.js' : 'src/index.js');

if (!existsSync(entry)) {
  process.stderr.write(
    `Switchboard is not built: ${relative(process.cwd(), entry) || entry} is missing; run \`npm run build\` once (after \`npm ci\` and after each upgrade), then \`npm ${migrate ? 'run migrate' : 'start'}\` again.\n`,
  );
  process.exit(1);
}

const module = await import(pathToFileURL(entry).href);
if (migrate) await module.runMigrateCommand();
