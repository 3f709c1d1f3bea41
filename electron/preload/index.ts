import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { FerryBridge } from '../../shared/api/bridge';
import type { PushEvent } from '../../shared/api/events';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from '../../shared/api/methods';

// Expose each contract method by name (window.ferry.orgs.create, …) and the event stream.
// Never a generic invoke(channel): the page can reach exactly the contract and nothing else.
const groups: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
for (const method of API_METHODS) {
  const [group = '', name = ''] = method.split('.');
  (groups[group] ??= {})[name] = (input?: unknown) => ipcRenderer.invoke(ipcChannel(method), input);
}

const bridge = {
  ...groups,
  onEvent(listener: (event: PushEvent) => void): () => void {
    const handler = (_event: IpcRendererEvent, payload: PushEvent) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
} as unknown as FerryBridge;

contextBridge.exposeInMainWorld('ferry', bridge);
