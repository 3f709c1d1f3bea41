import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every package a process loads is memory it holds to its end (~35 MB for these together, more
// than an hour's de-duplication set at a million events): the packages only some paths need are
// imported where those paths start (`await import()`), and the build gives each its own chunk.
// Read from the built bundles (npm run build:node, run by the suite's global setup).

/** Packages only team mode, mail, `ferry serve`'s metrics, Amplitude's zips or a diff need. */
const ON_DEMAND = [
  '@aws-sdk/client-kms',
  'diff',
  'kysely',
  'nodemailer',
  'pg',
  'pg-boss',
  'prom-client',
  'yauzl',
];

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`). */
const packageOf = (specifier: string) => specifier.replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1');

/** The bare specifiers of a built file's static imports (and re-exports), and its own chunks. */
function staticImports(file: string): { packages: string[]; chunks: string[] } {
  const packages: string[] = [];
  const chunks: string[] = [];
  const code = readFileSync(file, 'utf8');
  for (const [, spec] of code.matchAll(
    /^(?:import|export)\s(?:[^'"]*?\sfrom\s)?["']([^"']+)["'];?$/gm,
  ))
    (spec!.startsWith('./') ? chunks : packages).push(spec!);
  return { packages, chunks: chunks.map((chunk) => join(dirname(file), chunk)) };
}

/**
 * The chunks an entry always loads with a top-level `await import()` (the CLI's, after its
 * malloc check: electron/cli/main.ts) — part of its start like its static imports.
 */
function awaitedAtTop(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/^(?:var|const|let)\s[^=\n]*=\s*await import\("(\.\/[^"]+)"\);$/gm)].map(
    ([, chunk]) => join(dirname(file), chunk!),
  );
}

/** The packages a process loads when it starts from this entry: its static import graph. */
function loadedAtStart(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const found = staticImports(file);
    for (const name of found.packages) packages.add(packageOf(name));
    for (const chunk of found.chunks) visit(chunk);
  };
  visit(entry);
  for (const chunk of awaitedAtTop(entry)) visit(chunk);
  return packages;
}

/** The packages any file of the build imports, statically or not. */
function importedAnywhere(dir: string): Set<string> {
  const packages = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.js'))) {
    const code = readFileSync(join(dir, file), 'utf8');
    for (const [, spec] of code.matchAll(/(?:from\s|import\()["']([^"'./][^"']*)["']/g))
      packages.add(packageOf(spec!));
  }
  return packages;
}

describe.each([
  ['the CLI', 'out/cli', 'main.js'],
  ['the desktop main process', 'out/main', 'index.js'],
])('%s', (_name, dir, entry) => {
  it('starts without the packages only some of its paths need', () => {
    const atStart = loadedAtStart(join(dir, entry));
    expect(atStart).toContain('zod'); // the reader sees the static imports
    expect(ON_DEMAND.filter((name) => atStart.has(name))).toEqual([]);
  });

  it('still carries them, for the paths that load them', () => {
    const anywhere = importedAnywhere(dir);
    expect(ON_DEMAND.filter((name) => !anywhere.has(name))).toEqual([]);
  });
});
