import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type * as Electron from 'electron';

/**
 * A recording fake of exactly the Electron API surface Ferry's main process uses, for the boot
 * test (test/unit/main/boot.test.ts): no runtime can be downloaded on the development machine.
 * Each export is typed against Electron's own declarations (`Pick<…>` of electron.d.ts), so a
 * call Ferry makes that Electron does not have, or with other arguments, fails the type check.
 * What Ferry did is in `recorded`.
 */

export const recorded = {
  paths: new Map<string, string>(),
  switches: [] as [string, string | undefined][],
  appUserModelId: null as string | null,
  windows: [] as FakeBrowserWindow[],
  notifications: [] as FakeNotification[],
  trays: [] as FakeTray[],
  ipcHandlers: new Map<string, (...args: unknown[]) => unknown>(),
  schemes: [] as string[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
  permissionRequest: null as
    | null
    | ((
        contents: unknown,
        permission: string,
        callback: (granted: boolean) => void,
        details: { requestingUrl?: string },
      ) => void),
  permissionCheck: null as
    null | ((contents: unknown, permission: string, origin: string, details: unknown) => boolean),
  exitCode: null as number | null,
  errors: [] as string[],
  messageBoxes: [] as Electron.MessageBoxOptions[],
  clipboard: [] as string[],
  appMenu: null as unknown,
  /** How often the app asked for the one-instance lock. */
  instanceLocks: 0,
};

let exit: (code: number) => void = () => {};
/** Resolves when the app exits (app.exit), with its code. */
export const exited: Promise<number> = new Promise((resolve) => (exit = resolve));

class FakeApp extends EventEmitter {
  readonly commandLine = {
    appendSwitch: (name: string, value?: string) => void recorded.switches.push([name, value]),
  };
  readonly isPackaged = false;
  getVersion(): string {
    return '0.0.0-fake';
  }
  private ready = Promise.resolve();
  private login = { openAtLogin: false };

  getPath(name: string): string {
    return recorded.paths.get(name) ?? `/fake/${name}`;
  }
  setPath(name: string, path: string): void {
    recorded.paths.set(name, path);
  }
  setAppUserModelId(id: string): void {
    recorded.appUserModelId = id;
  }
  requestSingleInstanceLock(): boolean {
    recorded.instanceLocks++;
    return true;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  quit(): void {
    const event = {
      defaultPrevented: false,
      preventDefault: () => (event.defaultPrevented = true),
    };
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exit(0);
  }
  exit(code = 0): void {
    if (recorded.exitCode !== null) return;
    recorded.exitCode = code;
    exit(code);
  }
  getLoginItemSettings(): Electron.LoginItemSettings {
    return { ...this.login } as Electron.LoginItemSettings;
  }
  setLoginItemSettings(settings: Electron.Settings): void {
    this.login = { openAtLogin: !!settings.openAtLogin };
  }
}

export const app: Pick<
  Electron.App,
  | 'getPath'
  | 'setPath'
  | 'setAppUserModelId'
  | 'requestSingleInstanceLock'
  | 'whenReady'
  | 'quit'
  | 'exit'
  | 'getLoginItemSettings'
  | 'setLoginItemSettings'
  | 'isPackaged'
  | 'getVersion'
> & { commandLine: Pick<Electron.CommandLine, 'appendSwitch'> } & EventEmitter = new FakeApp();

class FakeWebContents extends EventEmitter {
  static next = 1;
  readonly id = FakeWebContents.next++;
  url = '';
  /** The top frame: IPC callers are checked against it (electron/main/ipc.ts). */
  readonly mainFrame = { url: '' };
  openHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  sent: [string, unknown][] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }) {
    this.openHandler = handler;
  }
  getURL(): string {
    return this.url;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, args[0]]);
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static getAllWindows(): FakeBrowserWindow[] {
    return recorded.windows.filter((w) => !w.destroyed);
  }
  readonly webContents = new FakeWebContents();
  visible = false;
  destroyed = false;
  constructor(readonly options: Electron.BrowserWindowConstructorOptions) {
    super();
    recorded.windows.push(this);
    queueMicrotask(() => this.emit('ready-to-show'));
  }
  async loadURL(url: string): Promise<void> {
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {}
  restore(): void {}
  isMinimized(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible;
  }
  /** What a click on the close button does: 'close' first, which Ferry may prevent. */
  close(): void {
    const event = {
      defaultPrevented: false,
      preventDefault: () => (event.defaultPrevented = true),
    };
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroyed = true;
  }
}
export const BrowserWindow = FakeBrowserWindow;

export class FakeNotification extends EventEmitter {
  static isSupported(): boolean {
    return true;
  }
  shown = false;
  constructor(readonly options: Electron.NotificationConstructorOptions) {
    super();
  }
  show(): void {
    this.shown = true;
    recorded.notifications.push(this);
  }
}
export const Notification = FakeNotification;

export class FakeTray extends EventEmitter {
  image: unknown;
  tooltip = '';
  menu: unknown = null;
  menus = 0;
  constructor(image: unknown) {
    super();
    this.image = image;
    recorded.trays.push(this);
  }
  setImage(image: unknown): void {
    this.image = image;
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }
  setContextMenu(menu: unknown): void {
    this.menu = menu;
    this.menus++;
  }
  destroy(): void {}
}
export const Tray = FakeTray;

export const Menu: Pick<typeof Electron.Menu, 'buildFromTemplate' | 'setApplicationMenu'> = {
  buildFromTemplate: (template) => ({ template }) as unknown as Electron.Menu,
  setApplicationMenu: (menu) => void (recorded.appMenu = menu),
};

export const nativeImage: Pick<typeof Electron.nativeImage, 'createFromPath'> = {
  createFromPath: (path) => ({ path }) as unknown as Electron.NativeImage,
};

export const dialog: Pick<Electron.Dialog, 'showErrorBox'> & {
  showMessageBox(options: Electron.MessageBoxOptions): Promise<Electron.MessageBoxReturnValue>;
} = {
  showErrorBox: (title, content) => void recorded.errors.push(`${title}: ${content}`),
  showMessageBox: async (options) => {
    recorded.messageBoxes.push(options);
    return { response: 0, checkboxChecked: false };
  },
};

/** Since Electron 44 the main process's clipboard is asynchronous, as `navigator.clipboard` is. */
export const clipboard: Pick<Electron.Clipboard, 'writeText'> = {
  writeText: async (text) => void recorded.clipboard.push(text),
};

export const powerMonitor: EventEmitter = new EventEmitter();

export const safeStorage: Pick<
  Electron.SafeStorage,
  'isEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptString' | 'decryptString'
> = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (plain) => Buffer.from(`sealed:${plain}`),
  decryptString: (sealed) => sealed.toString().replace(/^sealed:/, ''),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler: NonNullable<typeof recorded.permissionRequest>) =>
      void (recorded.permissionRequest = handler),
    setPermissionCheckHandler: (handler: NonNullable<typeof recorded.permissionCheck>) =>
      void (recorded.permissionCheck = handler),
  },
};

export const protocol: Pick<Electron.Protocol, 'registerSchemesAsPrivileged' | 'handle'> = {
  registerSchemesAsPrivileged: (schemes) =>
    void recorded.schemes.push(...schemes.map((s) => s.scheme)),
  handle: (scheme, handler) =>
    void recorded.protocolHandlers.set(
      scheme,
      handler as (request: Request) => Promise<Response> | Response,
    ),
};

export const net: Pick<Electron.Net, 'fetch'> = {
  // Electron's net.fetch reads file: URLs (the app:// handler serves the console that way);
  // Node's fetch does not, so the fake reads the file as Electron would, failing as it does.
  fetch: async (input, init) => {
    const url = typeof input === 'string' ? input : (input as Request).url;
    if (!url.startsWith('file:')) return fetch(url, init as RequestInit);
    try {
      return new Response(await readFile(fileURLToPath(url)));
    } catch {
      throw new TypeError(`net::ERR_FILE_NOT_FOUND ${url}`);
    }
  },
};

export const shell: Pick<Electron.Shell, 'openExternal'> = {
  openExternal: async () => {},
};

export const ipcMain: Pick<Electron.IpcMain, 'handle' | 'removeHandler'> = {
  handle: (channel, listener) =>
    void recorded.ipcHandlers.set(channel, listener as (...args: unknown[]) => unknown),
  removeHandler: (channel) => void recorded.ipcHandlers.delete(channel),
};
