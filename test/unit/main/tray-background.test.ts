import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  Background,
  QUIT_MARGIN_MS,
  type AppPort,
  type EnginePort,
} from '../../../electron/main/background';
import { trayIconFile, trayKey, trayMenu, traySummary } from '../../../electron/main/tray-menu';
import type { ConnectionStatus } from '../../../shared/model/schedule';

const status = (
  connectionId: string,
  state: ConnectionStatus['state'],
  reason: string | null = null,
): ConnectionStatus => ({
  connectionId,
  state,
  reason,
  fix: null,
  cause: null,
  stopped: false,
  lastExportedHour: null,
  pendingHours: 0,
  queued: 0,
  running: 0,
  retrying: 0,
  gap: null,
  nextHour: null,
  nextRunAt: null,
});
const names = { cn_a: 'prod-events', cn_b: 'staging', cn_c: 'old' };

describe('the tray', () => {
  it('says all healthy only when no connection is failing, counting the enabled ones', () => {
    const s = traySummary(
      [status('cn_a', 'healthy'), status('cn_b', 'catching-up'), status('cn_c', 'disabled')],
      names,
      false,
    );
    expect(s).toMatchObject({
      icon: 'ok',
      headline: 'All 2 connections healthy',
      tooltip: 'Ferry — All 2 connections healthy',
      failing: [],
    });
    expect(traySummary([], names, false).headline).toBe('No connection exports hourly');
  });

  it('names each failing connection with its reason, and opens it when picked', () => {
    const s = traySummary(
      [status('cn_a', 'failing', 'Missing permission s3:PutObject'), status('cn_b', 'healthy')],
      names,
      false,
    );
    expect(s).toMatchObject({ icon: 'failing', headline: '1 connection failing' });
    const menu = trayMenu(s, {
      paused: false,
      openAtLogin: false,
      loginSupported: true,
      offerCli: false,
    });
    expect(menu.map((i) => i.label)).toEqual([
      '1 connection failing',
      'prod-events: Missing permission s3:PutObject',
      '',
      'Open Ferry',
      'Pause hourly exports',
      'Start Ferry at login',
      '',
      'Quit Ferry',
    ]);
    expect(menu[1]!.action).toEqual({ kind: 'open-connection', connectionId: 'cn_a' });
    expect(menu[0]!.enabled).toBe(false);
  });

  it('shows pause, resume and start-at-login as they are', () => {
    const paused = traySummary([status('cn_a', 'healthy')], names, true);
    expect(paused).toMatchObject({ icon: 'paused', headline: 'Hourly exports paused' });
    const menu = trayMenu(paused, {
      paused: true,
      openAtLogin: true,
      loginSupported: true,
      offerCli: false,
    });
    expect(menu.find((i) => i.label === 'Resume hourly exports')!.action).toEqual({
      kind: 'resume',
    });
    expect(menu.find((i) => i.type === 'checkbox')).toMatchObject({
      checked: true,
      action: { kind: 'open-at-login', on: false },
    });
    // A failure still shows while paused: paused is not healthy.
    expect(traySummary([status('cn_a', 'failing')], names, true)).toMatchObject({
      icon: 'failing',
      headline: '1 connection failing · paused',
    });
    // Where the OS has no login items (Linux), the entry is not offered.
    expect(
      trayMenu(paused, {
        paused: true,
        openAtLogin: false,
        loginSupported: false,
        offerCli: false,
      }).some((i) => i.type === 'checkbox'),
    ).toBe(false);
  });

  it('offers to install the ferry command only while it is not on the PATH', () => {
    const s = traySummary([status('cn_a', 'healthy')], names, false);
    const state = { paused: false, openAtLogin: false, loginSupported: false };
    const offered = trayMenu(s, { ...state, offerCli: true });
    expect(offered.find((i) => i.label === 'Install the ferry command…')?.action).toEqual({
      kind: 'install-cli',
    });
    expect(
      trayMenu(s, { ...state, offerCli: false }).some((i) => i.action?.kind === 'install-cli'),
    ).toBe(false);
  });

  it('shows an & in a name as itself, not as a menu accelerator', () => {
    const s = traySummary([status('cn_a', 'failing', 'denied')], { cn_a: 'R&D events' }, false);
    const menu = trayMenu(s, {
      paused: false,
      openAtLogin: false,
      loginSupported: false,
      offerCli: false,
    });
    expect(menu[1]?.label).toBe('R&&D events: denied');
  });

  it('gives the same key for the same tray, so it is redrawn only when it changes', () => {
    const state = { paused: false, openAtLogin: false, loginSupported: true, offerCli: false };
    const of = (statuses: Parameters<typeof traySummary>[0], paused = false) => {
      const s = traySummary(statuses, names, paused);
      return trayKey(s, trayMenu(s, { ...state, paused }));
    };
    const healthy = [status('cn_a', 'healthy')];
    expect(of(healthy)).toBe(of([status('cn_a', 'healthy')]));
    expect(of(healthy)).not.toBe(of([status('cn_a', 'failing', 'denied')]));
    expect(of(healthy)).not.toBe(of(healthy, true));
  });

  it('draws the tray from an .ico on Windows and a 32 px image on Linux, each shipped', () => {
    for (const icon of ['ok', 'failing', 'paused'] as const)
      for (const platform of ['win32', 'linux', 'darwin'] as const) {
        const file = trayIconFile(icon, platform);
        expect(existsSync(`renderer/public/tray/${file}`), file).toBe(true);
      }
    expect(trayIconFile('failing', 'win32')).toBe('failing.ico');
    expect(trayIconFile('failing', 'linux')).toBe('failing@2x.png');
    expect(trayIconFile('failing', 'darwin')).toBe('failing.png');
  });

  it('lists at most five failing connections, then "… and N more"', () => {
    const many = Array.from({ length: 7 }, (_, i) => status(`cn_${i}`, 'failing', 'x'));
    const menu = trayMenu(traySummary(many, {}, false), {
      paused: false,
      openAtLogin: false,
      loginSupported: false,
      offerCli: false,
    });
    expect(menu.filter((i) => i.action?.kind === 'open-connection')).toHaveLength(5);
    expect(menu.map((i) => i.label)).toContain('… and 2 more');
  });
});

/** A fake Electron app and engine: what was called, in order. */
function fakes(close: (graceMs: number) => Promise<void> = async () => {}) {
  const calls: string[] = [];
  let login = false;
  const app: AppPort = {
    exit: (code) => calls.push(`exit ${code}`),
    setLoginItemSettings: ({ openAtLogin }) => {
      login = openAtLogin;
      calls.push(`login ${openAtLogin}`);
    },
    getLoginItemSettings: () => ({ openAtLogin: login }),
  };
  const engine: EnginePort = {
    close: async ({ graceMs }) => {
      calls.push(`close ${graceMs}`);
      await close(graceMs);
      calls.push('closed');
    },
  };
  const told: string[] = [];
  const errors: unknown[] = [];
  const background = new Background(app, () => engine, {
    graceMs: 10_000,
    notifyStillRunning: () => told.push('still running'),
    hideWindows: () => calls.push('hide'),
    log: (e) => errors.push(e),
  });
  const event = () => {
    const e = { prevented: false, preventDefault: () => (e.prevented = true) };
    return e;
  };
  return { calls, background, told, errors, event };
}

describe('running in the background, and quitting', () => {
  it('closing the window hides it and keeps exporting; the first time it says so', () => {
    const f = fakes();
    let hidden = 0;
    const first = f.event();
    expect(f.background.windowClosing(first, () => hidden++)).toBe(true);
    expect(f.background.windowClosing(f.event(), () => hidden++)).toBe(true);
    expect(first.prevented).toBe(true);
    expect(hidden).toBe(2);
    expect(f.told).toEqual(['still running']);
    expect(f.calls).toEqual([]); // the engine keeps running
  });

  it('quitting waits for the engine to close (with its grace), then exits, once', async () => {
    let release = () => {};
    const f = fakes(() => new Promise<void>((r) => (release = r)));
    const quit = f.event();
    const closing = f.background.beforeQuit(quit);
    expect(quit.prevented).toBe(true);
    expect(f.calls).toEqual(['hide', 'close 10000']); // hidden at once; not exited yet
    const again = f.background.beforeQuit(f.event()); // a second Quit while closing
    // While quitting, a window closes for real.
    expect(f.background.windowClosing(f.event(), () => {})).toBe(false);
    release();
    await Promise.all([closing, again]);
    expect(f.calls).toEqual(['hide', 'close 10000', 'closed', 'exit 0']);
  });

  it('exits even when closing the engine fails, and says why', async () => {
    const f = fakes(() => Promise.reject(new Error('disk full')));
    await f.background.quit();
    expect(f.calls).toEqual(['hide', 'close 10000', 'exit 0']);
    expect(String(f.errors[0])).toMatch(/disk full/);
  });

  it('exits anyway when the engine does not stop within the grace and a margin', async () => {
    vi.useFakeTimers();
    try {
      const f = fakes(() => new Promise<void>(() => {})); // a close that never ends
      const quitting = f.background.quit();
      await vi.advanceTimersByTimeAsync(10_000 + QUIT_MARGIN_MS - 1);
      expect(f.calls).toEqual(['hide', 'close 10000']);
      await vi.advanceTimersByTimeAsync(1);
      await quitting;
      expect(f.calls).toEqual(['hide', 'close 10000', 'exit 0']);
      expect(String(f.errors[0])).toMatch(/did not stop within 15 s; it exits anyway/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('turns start at login on and off through the OS setting', () => {
    const f = fakes();
    expect(f.background.openAtLogin).toBe(false);
    f.background.setOpenAtLogin(true);
    expect(f.background.openAtLogin).toBe(true);
    expect(f.calls).toEqual(['login true']);
  });
});
