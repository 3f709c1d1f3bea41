import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { FerryBridge } from '../../shared/api/bridge';
import type { PushEvent } from '../../shared/api/events';
import { groupMethods, IPC_EVENT_CHANNEL, ipcChannel } from '../../shared/api/methods';

// Expose each contract method by name (window.ferry.orgs.create, …) and the event stream.
// Never a generic invoke(channel): the page can reach exactly the contract and nothing else.
const groups = groupMethods(
  (method) => (input?: unknown) => ipcRenderer.invoke(ipcChannel(method), input),
);

const bridge = {
  ...groups,
  onEvent(listener: (event: PushEvent) => void): () => void {
    const handler = (_event: IpcRendererEvent, payload: PushEvent) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
} as unknown as FerryBridge;

contextBridge.exposeInMainWorld('ferry', bridge);
