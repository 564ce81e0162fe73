/**
 * ESLint (flat config): the recommended JavaScript and typescript-eslint rules with type
 * information, the layer rules of docs/architecture.md, and eslint-config-prettier last so that
 * formatting is Prettier's job alone (`npm run lint` runs both, `npm run format` fixes both).
 *
 * Type-aware linting is on because this code moves money: a promise nobody awaits
 * (`no-floating-promises`) or an async function handed to a callback that ignores its promise
 * (`no-misused-promises`) loses errors and reorders writes.
 */
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** A `no-restricted-imports` rule for one layer: each entry forbids import paths matching `regex`. */
function layer(...rules) {
  return ['error', { patterns: rules.map(([regex, message]) => ({ regex, message })) }];
}

const NO_WEB_FRAMEWORKS = [
  [
    '^(grammy|@grammyjs/.*|fastify|fastify-plugin|@fastify/.*)$',
    'src/hub is the core: it imports neither grammY nor Fastify (adapters live in src/bot and src/http).',
  ],
];
const NO_ADAPTERS = [['(^|/)(bot|http)/', 'src/hub is the core: it does not import the adapters (src/bot, src/http).']];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'data/', 'coverage/', 'contracts/build/', 'migrations/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The hazards this codebase cares about most (money paths, workers, exit hooks): keep them errors.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `_`-prefixed names mark a parameter or binding kept on purpose (a callback's shape, a rest split).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Numbers, booleans, nullables and URLs in template strings are how messages and logs are written here.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowNumber: true,
          allowBoolean: true,
          allowNullish: true,
          allow: [
            { from: 'lib', name: ['Error', 'URL', 'URLSearchParams'] },
            { from: 'package', package: 'url', name: ['URL', 'URLSearchParams'] },
          ],
        },
      ],
      // Off: an `async` method without `await` is how this code implements an async interface (a
      // throw becomes a rejection, as callers expect); the rule would ask for `Promise.resolve` noise.
      '@typescript-eslint/require-await': 'off',
      // Off: services here are closures, not classes; their methods never use `this`, and passing
      // `clock.now` or `store.prune` detached is the house style. (Classes are only errors and `Reader`.)
      '@typescript-eslint/unbound-method': 'off',
      // Off: `bars[i]!` marks an index the code knows exists (as under noUncheckedIndexedAccess), a
      // habit of this codebase (≈220 of them); the rule would strip them. No runtime effect either way.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Units you can hold in your head (docs/architecture.md): a file under 300 lines, a function
    // that reads in one screen. Counted without blank lines and comments for functions.
    files: ['src/**/*.ts', 'agent/src/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // Tests and benches read JSON bodies (`any`) and poke invalid shapes at validators on purpose.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  // Layers (docs/architecture.md): the core knows no adapter, adapters never reach into the
  // database or each other, and the agent shares only src/shared with the hub.
  {
    files: ['src/hub/**/*.ts'],
    rules: { 'no-restricted-imports': layer(...NO_WEB_FRAMEWORKS, ...NO_ADAPTERS) },
  },
  {
    files: ['src/bot/**/*.ts'],
    rules: {
      'no-restricted-imports': layer([
        '(^|/)(db|http)/',
        'src/bot is an adapter: it gets hub services from the composition root, never src/db or src/http.',
      ]),
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': layer([
        '^\\.\\./(\\.\\./)*(hub|bot|db|http|agent)/',
        'src/shared is loaded by the hub and the agent: it imports only itself.',
      ]),
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': layer([
        '^\\.\\./(\\.\\./)*(hub|bot|db|http|agent|config)(/|\\.js$)',
        'src/engine runs in the agent and in backtests: it imports only src/shared, itself and trading-signals.',
      ]),
    },
  },
  {
    files: ['src/hub/**/*.ts'],
    ignores: ['src/hub/backtest/**/*.ts'],
    rules: {
      'no-restricted-imports': layer(...NO_WEB_FRAMEWORKS, ...NO_ADAPTERS, [
        '(^|/)engine/',
        'only src/hub/backtest runs the engine (in a worker thread); the rest of the hub never loads it.',
      ]),
    },
  },
  {
    files: ['agent/src/**/*.ts'],
    rules: {
      'no-restricted-imports': layer([
        '(^|/)src/(?!shared/|engine/)',
        'agent/src is a separate program: from the hub side it imports only src/shared and src/engine.',
      ]),
    },
  },
  {
    // The dashboard runs in the browser (its own tsconfig: DOM types, Preact JSX): it shares the
    // contract and nothing else of the hub, and no Node.js module can reach it.
    files: ['web/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': layer(
        ['(^|/)src/(?!shared/)', 'web/src is a browser program: from the hub side it imports only src/shared.'],
        ['^node:', 'web/src runs in the browser: no Node.js modules.'],
      ),
    },
  },
  prettier,
);
