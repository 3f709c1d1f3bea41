import type { MenuItemConstructorOptions } from 'electron';
import type { TrayAction } from './tray-menu';

/**
 * The application menu, as data: Electron's standard menus (by role) plus Ferry's own entries
 * where each OS puts them — in the app menu on macOS ("Check for Updates…" under "About"), in
 * Help on Windows and Linux. Actions go back to the caller, as the tray's do.
 */
export function appMenuTemplate(
  platform: NodeJS.Platform,
  offer: { updates: boolean; cli: boolean },
  act: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  const own: MenuItemConstructorOptions[] = [];
  if (offer.updates)
    own.push({ label: 'Check for Updates…', click: () => act({ kind: 'check-updates' }) });
  if (offer.cli)
    own.push({ label: 'Install the ferry Command…', click: () => act({ kind: 'install-cli' }) });
  if (platform === 'darwin')
    return [
      {
        role: 'appMenu',
        submenu: [
          { role: 'about' },
          ...own,
          { type: 'separator' },
          { role: 'services' },
          { type: 'separator' },
          { role: 'hide' },
          { role: 'hideOthers' },
          { role: 'unhide' },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ];
  return [
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    ...(own.length ? [{ label: '&Help', submenu: own }] : []),
  ];
}
