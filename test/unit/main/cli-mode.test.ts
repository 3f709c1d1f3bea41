import { describe, expect, it } from 'vitest';
import { cliArguments } from '../../../electron/main/cli-mode';

const commands = new Set(['export', 'serve', 'status', 'help']);

describe('cliArguments: the app binary as the ferry command', () => {
  it('is the command line when a Ferry command or global flag comes first', () => {
    expect(
      cliArguments(['/opt/Ferry/ferry', 'export', 'c1', '--hour', 'x'], false, commands),
    ).toEqual(['export', 'c1', '--hour', 'x']);
    expect(cliArguments(['Ferry.exe', '--version'], false, commands)).toEqual(['--version']);
    expect(cliArguments(['ferry', '--data-dir=/d', 'status'], false, commands)).toEqual([
      '--data-dir=/d',
      'status',
    ]);
    expect(cliArguments(['ferry', 'help', 'export'], false, commands)).toEqual(['help', 'export']);
  });

  it('is the app when started with nothing, Chromium switches or anything else', () => {
    expect(cliArguments(['/opt/Ferry/ferry'], false, commands)).toBeNull();
    expect(cliArguments(['ferry', '--no-sandbox'], false, commands)).toBeNull();
    expect(
      cliArguments(['ferry', '--inspect=0', '--remote-debugging-port=0'], false, commands),
    ).toBeNull();
    // A word that is no Ferry command (a file opened with the app, a typo) opens the app.
    expect(cliArguments(['ferry', 'exprot'], false, commands)).toBeNull();
    // A command later on the line is an argument of something else, not a command.
    expect(cliArguments(['ferry', '--no-sandbox', 'export'], false, commands)).toBeNull();
  });

  it('skips Electron and the app path when started as `electron <app>` (development)', () => {
    expect(cliArguments(['electron', '--inspect=0', '.', 'status'], true, commands)).toEqual([
      'status',
    ]);
    expect(cliArguments(['electron', 'out/main/index.js'], true, commands)).toBeNull();
    expect(
      cliArguments(['electron', 'out/main/index.js', '--no-sandbox'], true, commands),
    ).toBeNull();
  });
});
