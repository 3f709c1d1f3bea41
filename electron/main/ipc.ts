import { type BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { Envelope } from '../../shared/api/errors';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from '../../shared/api/methods';
import type { Engine } from '../engine';
import { isAppUrl } from './protocol';

/**
 * Register one IPC handler per contract method and forward the push stream to our windows.
 *
 * Each call is checked before the engine sees it: it must come from one of our own windows, from
 * the app origin, from the top frame. The engine then validates the input with the contract.
 */
export function registerIpc(engine: Engine, ownWindows: () => BrowserWindow[]): () => void {
  for (const method of API_METHODS) {
    ipcMain.handle(
      ipcChannel(method),
      async (event, input: unknown): Promise<Envelope<unknown>> => {
        const refusal = senderProblem(event, ownWindows());
        if (refusal) return { ok: false, error: { code: 'forbidden', message: refusal } };
        return engine.dispatch(method, input);
      },
    );
  }
  const unsubscribe = engine.subscribe((event) => {
    for (const window of ownWindows()) {
      if (!window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, event);
    }
  });
  return () => {
    unsubscribe();
    for (const method of API_METHODS) ipcMain.removeHandler(ipcChannel(method));
  };
}

/** Why a caller is not trusted, or null when it is our window, app origin, top frame. */
export function senderProblem(event: IpcMainInvokeEvent, windows: BrowserWindow[]): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'Refused: the calling frame is gone';
  if (!windows.some((w) => !w.isDestroyed() && w.webContents.id === event.sender.id))
    return 'Refused: the call does not come from a Ferry window';
  if (frame !== event.sender.mainFrame) return 'Refused: calls from sub-frames are not allowed';
  if (!isAppUrl(frame.url)) return 'Refused: the call does not come from the Ferry console';
  return null;
}
