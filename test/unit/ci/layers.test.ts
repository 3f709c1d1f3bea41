import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The messages of one rule ESLint gives a file with this text at this path, as `npm run lint` would. */
async function messages(filePath: string, code: string, ruleId: string): Promise<string[]> {
  // Probe files are in no tsconfig: lint them without type information (the import rules need none).
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
      },
    },
  });
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

const restricted = (filePath: string, code: string) =>
  messages(filePath, code, 'no-restricted-imports');

describe('the layering lint rules', () => {
  it('refuse an engine part importing from its own layer or above', async () => {
    expect(
      await restricted('electron/engine/store/probe.ts', "import '../jobs/errors';\n"),
    ).toEqual([
      expect.stringMatching(/electron\/engine\/store imports only from the engine's lower layers/),
    ]);
    expect(await restricted('electron/engine/redact.ts', "import './store/lock';\n")).toHaveLength(
      1,
    );
    expect(
      await restricted('electron/engine/jobs/probe.ts', "import '../schedule/plan';\n"),
    ).toHaveLength(1);
    // Downward is allowed.
    expect(
      await restricted('electron/engine/schedule/probe.ts', "import '../jobs/errors';\n"),
    ).toEqual([]);
  });

  it('refuse an entry reaching past the engine front door', async () => {
    for (const file of [
      'electron/cli/probe.ts',
      'electron/server/probe.ts',
      'electron/main/probe.ts',
    ])
      expect(await restricted(file, "import '../engine/store/lock';\n"), file).toEqual([
        expect.stringMatching(/front door/),
      ]);
    expect(await restricted('electron/cli/probe.ts', "import '../engine';\n")).toEqual([]);
  });

  it('refuse the engine importing an entry, and shared importing the app', async () => {
    expect(
      await restricted('electron/engine/jobs/probe.ts', "import '../../cli/output';\n"),
    ).not.toEqual([]);
    expect(
      await restricted('shared/model/probe.ts', "import '../../electron/engine';\n"),
    ).not.toEqual([]);
  });
});

describe('the size lint rules', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `  x += ${i};`).join('\n');

  it('refuse a source file over 500 lines and a function over 120', async () => {
    const file = (n: number) =>
      `export let x = 0;\n${Array.from({ length: n - 1 }, (_, i) => `x += ${i};`).join('\n')}\n`;
    expect(await messages('electron/engine/store/probe.ts', file(500), 'max-lines')).toEqual([]);
    expect(await messages('electron/engine/store/probe.ts', file(501), 'max-lines')).toEqual([
      expect.stringMatching(/too many lines \(501\)\. Maximum allowed is 500/),
    ]);
    const fn = (n: number) =>
      `export function f(): number {\n  let x = 0;\n${lines(n)}\n  return x;\n}\n`;
    expect(
      await messages('renderer/features/probe.tsx', fn(116), 'max-lines-per-function'),
    ).toEqual([]);
    expect(
      await messages('renderer/features/probe.tsx', fn(117), 'max-lines-per-function'),
    ).toEqual([expect.stringMatching(/too many lines \(121\)\. Maximum allowed is 120/)]);
  });
});
