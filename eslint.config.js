// ESLint flat config. Besides the usual TypeScript and React rules, it enforces the layering
// of DESIGN.md §3 with no-restricted-imports, so a wrong import fails `npm run lint`:
//   shared ← engine ← (main, server, cli);  renderer ← shared;  only main/preload import electron.
// Inside the engine, its folders (and top-level files) form layers (ENGINE_LAYERS): each imports
// only from lower layers and from itself, so no two parts of the engine import each other.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS =
  '^(node:.*|(fs|path|os|child_process|crypto|http|https|net|url|zlib|stream|events|util|worker_threads)(/.*)?)$';

const electron = {
  name: 'electron',
  message: 'Only electron/main and electron/preload may import Electron.',
};
const pattern = (group, message) =>
  typeof group === 'string' ? { regex: group, message } : { group, message };
const rawIpc = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message:
    'Raw IPC only in electron/main/ipc.ts and the preload: every call goes through the API contract.',
};
/** Entries reach the engine through its front door only (electron/engine/index.ts). */
const engineDoor = pattern(
  '^(\\.\\./)+engine/.+$',
  'Entries import the engine from its front door (electron/engine/index.ts), nothing deeper.',
);
const shellPatterns = [
  engineDoor,
  pattern(['**/renderer/**'], 'Nothing imports the renderer.'),
  // The desktop app's binary is also the `ferry` command (electron/main/cli-mode.ts): it may
  // run the command line through its front door (cli/process.ts), nothing else of the CLI.
  pattern('^(\\.\\./)+cli(?!/process$)(/.*)?$', 'Entries do not import each other.'),
  // The desktop app answers the command line as `ferry serve` and `ferry run` do: it may start
  // the local API (server/local-api.ts), nothing else of the headless server.
  pattern('^(\\.\\./)+server(?!/local-api$)(/.*)?$', 'Entries do not import each other.'),
];

const enginePatterns = [
  pattern(
    [
      '**/main/**',
      '**/preload/**',
      '**/server/**',
      '**/cli/**',
      '../main',
      '../server',
      '../cli',
      '../preload',
    ],
    'The engine is imported by entries, never the reverse.',
  ),
  pattern(['**/renderer/**'], 'Nothing imports the renderer.'),
];

/**
 * The engine's parts, lowest first: a folder of electron/engine or one of its top-level files
 * (without .ts). A part imports from lower layers and from itself only.
 */
const ENGINE_LAYERS = [
  ['time', 'format', 'redact', 'worker-file', 'version'],
  ['store'],
  ['aws', 'sources', 'engine-store'],
  ['sinks', 'secret-binding'],
  ['pipeline', 'catalog', 'notify', 'team-transfer'],
  ['jobs'],
  ['schedule'],
  ['migration', 'team'],
  ['api'],
  ['demo-seed', 'secrets-notice', 'push-stream', 'readiness', 'team-entries'],
  ['index'],
];
/** The parts that are one file at electron/engine's top level; the others are folders. */
const ENGINE_FILES = new Set([
  ...['redact', 'worker-file', 'version', 'secret-binding', 'team-transfer'],
  ...['demo-seed', 'secrets-notice', 'push-stream', 'readiness', 'team-entries', 'index'],
]);

/** One config per engine part: the engine's own rules plus "nothing from my layer or above". */
function engineLayers() {
  return ENGINE_LAYERS.flatMap((layer, level) =>
    layer.map((part) => {
      const above = ENGINE_LAYERS.slice(level)
        .flat()
        .filter((other) => other !== part)
        .join('|');
      const isFolder = !ENGINE_FILES.has(part);
      // From a folder the others are ../x; from a top-level file they are ./x.
      const upward = isFolder ? `^\\.\\./(${above})(/.*)?$` : `^\\./(${above})(/.*)?$`;
      return {
        files: [isFolder ? `electron/engine/${part}/**/*.ts` : `electron/engine/${part}.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              paths: [electron],
              patterns: [
                ...enginePatterns,
                pattern(
                  upward,
                  `electron/engine/${part} imports only from the engine's lower layers (ENGINE_LAYERS in eslint.config.js).`,
                ),
              ],
            },
          ],
        },
      };
    }),
  );
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'scripts/.*',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron, { name: 'react', message: 'shared/ is UI-free.' }],
          patterns: [
            pattern(NODE_BUILTINS, 'shared/ runs everywhere: no Node built-ins.'),
            pattern(
              ['**/electron/**', '**/renderer/**'],
              'shared/ imports nothing of the app (DESIGN.md §3).',
            ),
          ],
        },
      ],
    },
  },
  {
    // Every engine file; a part not in ENGINE_LAYERS gets these rules only.
    files: ['electron/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electron], patterns: enginePatterns }],
    },
  },
  ...engineLayers(),
  {
    files: ['electron/server/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            engineDoor,
            pattern(
              ['**/main/**', '**/preload/**', '../main', '../preload'],
              'Headless entries do not use the desktop shell.',
            ),
            pattern(['**/renderer/**'], 'Nothing imports the renderer.'),
          ],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // Raw IPC only where the contract is bridged: every message is one of its methods,
          // checked for its sender (main/ipc.ts) and exposed as window.ferry (the preload).
          paths: [rawIpc],
          patterns: shellPatterns,
        },
      ],
    },
  },
  {
    files: ['electron/main/ipc.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: shellPatterns }] },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            pattern(
              ['**/engine/**', '**/renderer/**', '**/server/**', '**/cli/**', '**/main/**'],
              'The preload only bridges the contract: electron + shared/api.',
            ),
            pattern(
              ['zod', '**/shared/model/**', '**/shared/api/contract'],
              'Keep the sandboxed preload tiny: import shared/api/methods, types only from the contract.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            pattern(NODE_BUILTINS, 'The renderer is a web page: no Node built-ins.'),
            pattern(
              ['**/electron/**'],
              'The renderer talks to the engine only through the API contract (shared/).',
            ),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'ferry', message: 'Only renderer/api reaches window.ferry; stores call api().' },
      ],
    },
  },
  {
    // Type-aware: a promise is awaited, returned or voided, never dropped, and an async function
    // is never passed where a callback's result is ignored (an event handler: use fire()).
    files: ['electron/**/*.ts', 'renderer/**/*.{ts,tsx}', 'shared/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.{js,mjs,ts}', '*.config.{js,ts}'],
    rules: { 'no-console': 'off' },
  },
  {
    // Sizes a newcomer can read: no source file over 500 lines, no function over 120.
    files: ['electron/**/*.ts', 'renderer/**/*.{ts,tsx}', 'shared/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 500 }],
      'max-lines-per-function': ['error', { max: 120 }],
    },
  },
);
