// Imports flow one way (README, Architecture): commands → services → domain; views and db see domain
// types only; domain sees nothing impure. The zones below hold that by lint rather than by memory.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';

const root = import.meta.dirname;

/** Composition, entry points and everything outside the shipped tree: no layer imports these. */
const shellOnly = ['src/app.ts', 'src/index.ts', 'src/bootstrap.ts', 'test', 'sandbox', 'bench', 'scripts'];

const zones = [
  {
    target: 'src/domain',
    from: [
      'db',
      'src/services',
      'src/slack',
      'src/jobs',
      'src/config/load.ts',
      'src/clock.ts',
      'src/logger.ts',
      'commands',
      'views',
      ...shellOnly,
    ],
    message: 'src/domain is pure: shapes live in src/domain/<area>/types.ts, and `now` is a parameter.',
  },
  {
    target: 'views',
    from: ['db', 'src/services', 'src/slack', 'src/jobs', 'commands', ...shellOnly],
    message: 'views are pure Block Kit over domain types; move a shared shape to src/domain/<area>/types.ts.',
  },
  {
    target: 'db',
    from: ['src/services', 'src/slack', 'src/jobs', 'commands', 'views', ...shellOnly],
    message: 'db maps rows to domain types at the edge and knows nothing above it.',
  },
  {
    target: 'commands',
    from: ['db'],
    message: 'A Slack handler reads through a read use case (src/services/<area>/read.ts), never db/.',
  },
  {
    target: 'src/services',
    from: ['src/jobs', 'commands', ...shellOnly],
    message: 'Use cases are called by jobs and commands, never the other way round.',
  },
];

/** Modules with I/O or Slack behind them: a pure rule never needs them. */
const impureModules = [
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:net',
  'node:http',
  'node:https',
  'node:worker_threads',
  'fs',
  'fs/promises',
  'child_process',
  'better-sqlite3',
  'kysely',
  'pino',
  'node-cron',
  '@slack/bolt',
  '@slack/web-api',
];

export default tseslint.config(
  {
    ignores: ['dist/', 'coverage/', 'node_modules/', 'test/fixtures/', 'data/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle parses each file it walks, so it needs to know which files are TypeScript.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones }],
      // Type-only imports are erased at build time, so they cannot form a runtime cycle; skipping them
      // and externals keeps the walk fast.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Typed text is cleaned of control characters at the edge (src/domain/typed-text.ts), so matching
      // them is the point, not a slip.
      'no-control-regex': 'off',
      // Late-bound closures (the health check reads the socket, wakeOutbox the sender) are declared
      // before the object they point to exists; that `let` is on purpose.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: impureModules.map((name) => ({
            name,
            message: 'src/domain is pure: the service loads and saves, the rule decides.',
          })),
        },
      ],
    },
  },
  {
    // Migrations are frozen and written against Kysely<any> (as is the migrator that runs them): they
    // must not follow today's schema types.
    files: ['db/migrations/**/*.ts', 'db/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests, the sandbox and benchmarks poke at payloads and private shapes on purpose.
    files: ['test/**/*.ts', 'devkit/**/*.ts', 'sandbox/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
