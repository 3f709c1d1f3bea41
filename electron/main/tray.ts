import { Menu, nativeImage, Tray } from 'electron';
import type { Engine } from '../engine';
import {
  trayIconFile,
  trayKey,
  trayMenu,
  traySummary,
  type TrayAction,
  type TrayIcon,
  type TrayState,
} from './tray-menu';

/**
 * The tray icon: draws what tray-menu.ts decides, from the engine's connection statuses, and
 * redraws when a status changes. Actions go back to the caller.
 */
export function createTray(
  engine: Engine,
  iconDir: string,
  state: () => TrayState,
  act: (action: TrayAction) => void,
): { refresh(): Promise<void>; destroy(): void } {
  const icon = (name: TrayIcon) =>
    nativeImage.createFromPath(`${iconDir}/${trayIconFile(name, process.platform)}`);
  const tray = new Tray(icon('ok'));
  tray.on('click', () => act({ kind: 'open' }));
  let pending: Promise<void> | null = null;
  let again = false;
  let shown = '';
  const draw = async () => {
    const [statuses, connections] = await Promise.all([
      engine.call('schedule.status', undefined),
      engine.call('connections.list', undefined),
    ]);
    const names = Object.fromEntries(connections.map((c) => [c.id, c.name]));
    const summary = traySummary(statuses, names, state().paused);
    const items = trayMenu(summary, state());
    const key = trayKey(summary, items);
    if (key === shown) return; // the same tray: an open menu stays open
    shown = key;
    tray.setImage(icon(summary.icon));
    tray.setToolTip(summary.tooltip);
    tray.setContextMenu(
      Menu.buildFromTemplate(
        items.map((item) => ({
          label: item.label,
          type: item.type ?? 'normal',
          checked: item.checked,
          enabled: item.enabled ?? true,
          click: item.action ? () => act(item.action!) : undefined,
        })),
      ),
    );
  };
  // One draw at a time; a change during a draw draws once more after it, so the last change
  // is always shown.
  const refresh = (): Promise<void> => {
    if (pending) {
      again = true;
      return pending;
    }
    pending = draw()
      .catch((error: unknown) => console.error(error))
      .finally(() => {
        pending = null;
        if (again) {
          again = false;
          void refresh();
        }
      });
    return pending;
  };
  const unsubscribe = engine.subscribe((event) => {
    if (event.type === 'schedule.status' || event.type === 'entity.changed') void refresh();
  });
  void refresh();
  return {
    refresh,
    destroy() {
      unsubscribe();
      tray.destroy();
    },
  };
}
