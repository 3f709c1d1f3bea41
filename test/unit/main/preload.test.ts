import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_METHODS } from '../../../shared/api/methods';

const require = createRequire(import.meta.url);

/**
 * The built preload, run as Electron runs it, with a recording fake of the two Electron APIs it
 * uses: what it exposes as window.ferry, and what each call sends over IPC.
 */
function loadPreload() {
  const exposed: Record<string, unknown> = {};
  const invoked: [string, unknown][] = [];
  const electronPath = require.resolve('electron');
  const preloadPath = join(process.cwd(), 'out/preload/index.cjs');
  const saved = require.cache[electronPath];
  require.cache[electronPath] = {
    id: electronPath,
    filename: electronPath,
    loaded: true,
    exports: {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: (channel: string, input: unknown) => (
          invoked.push([channel, input]),
          Promise.resolve()
        ),
        on: () => undefined,
        removeListener: () => undefined,
      },
    },
  } as unknown as NodeJS.Module;
  delete require.cache[preloadPath];
  try {
    require(preloadPath);
  } finally {
    if (saved) require.cache[electronPath] = saved;
    else delete require.cache[electronPath];
  }
  return {
    ferry: exposed.ferry as Record<string, Record<string, (i?: unknown) => unknown>>,
    invoked,
  };
}

describe('the preload', () => {
  it('exposes every contract method by group and name, each on its own channel, and nothing else', async () => {
    const { ferry, invoked } = loadPreload();
    for (const method of API_METHODS) {
      const [group, name] = method.split('.') as [string, string];
      await ferry[group]![name]!({ probe: method });
    }
    expect(invoked).toEqual(API_METHODS.map((m) => [`ferry:${m}`, { probe: m }]));
    const exposedNames = Object.entries(ferry).flatMap(([group, fns]) =>
      typeof fns === 'function' ? [group] : Object.keys(fns).map((n) => `${group}.${n}`),
    );
    expect(exposedNames.sort()).toEqual([...API_METHODS, 'onEvent'].sort());
  });
});
