/**
 * Keep exporting while the window is closed, and quit cleanly: the parts of the desktop app's
 * lifecycle that are decisions, kept free of Electron so they are unit-tested with a fake app.
 *
 * - Closing the window hides it; the scheduler keeps running behind the tray icon. The first
 *   time, a notification says so.
 * - Quitting (tray, menu, OS, a Windows logoff or shutdown) hides the windows at once and
 *   closes the engine: running exports get `graceMs` to finish, then are cancelled cleanly (the
 *   commit protocol leaves nothing half-written, and they run again at the next start); only
 *   then does the app exit. A second quit while closing does not start a second close. A close
 *   that hangs past `graceMs + QUIT_MARGIN_MS` does not keep the app: it exits anyway — safe,
 *   since an export cut short is never half-visible.
 */

/** How long after the grace period a quit waits for the engine before exiting anyway. */
export const QUIT_MARGIN_MS = 5_000;

export interface AppPort {
  /** Exit the process (after the engine closed). */
  exit(code: number): void;
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
  getLoginItemSettings(): { openAtLogin: boolean };
}

export interface EnginePort {
  close(options: { graceMs: number }): Promise<void>;
}

export interface BackgroundOptions {
  /** How long quitting lets running exports finish before cancelling them. */
  graceMs: number;
  /** Told once, the first time the window is closed while Ferry keeps running. */
  notifyStillRunning(): void;
  /** Hide every window: a quit is seen at once, whatever the close takes. */
  hideWindows?(): void;
  log(error: unknown): void;
}

export class Background {
  private quitting: Promise<void> | null = null;
  private told = false;

  constructor(
    private readonly app: AppPort,
    private readonly engine: () => EnginePort | null,
    private readonly options: BackgroundOptions,
  ) {}

  /** True once a quit has started: windows then close for real. */
  get isQuitting(): boolean {
    return this.quitting !== null;
  }

  /**
   * A window is closing: hide it and keep running, unless Ferry is quitting.
   * @returns true when the close was turned into a hide
   */
  windowClosing(event: { preventDefault(): void }, hide: () => void): boolean {
    if (this.isQuitting) return false;
    event.preventDefault();
    hide();
    if (!this.told) {
      this.told = true;
      this.options.notifyStillRunning();
    }
    return true;
  }

  /**
   * The app is about to quit (Electron's before-quit). Until the engine has closed, the quit is
   * held back and the close runs; then the app exits. Returns the close, for tests.
   */
  beforeQuit(event: { preventDefault(): void }): Promise<void> {
    event.preventDefault();
    return this.quit();
  }

  /** Close the engine (bounded by the grace period), then exit; once. */
  quit(): Promise<void> {
    this.quitting ??= (async () => {
      this.options.hideWindows?.();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const limitMs = this.options.graceMs + QUIT_MARGIN_MS;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), limitMs);
      });
      try {
        const closing = Promise.resolve(this.engine()?.close({ graceMs: this.options.graceMs }));
        if ((await Promise.race([closing, late])) === 'late')
          this.options.log(
            new Error(
              `Ferry did not stop within ${Math.round(limitMs / 1000)} s; it exits anyway (an export cut short runs again at the next start).`,
            ),
          );
      } catch (error) {
        this.options.log(error);
      } finally {
        clearTimeout(timer);
        this.app.exit(0);
      }
    })();
    return this.quitting;
  }

  get openAtLogin(): boolean {
    return this.app.getLoginItemSettings().openAtLogin;
  }

  setOpenAtLogin(on: boolean): void {
    this.app.setLoginItemSettings({ openAtLogin: on });
  }
}
