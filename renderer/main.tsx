import '@cloudscape-design/global-styles/index.css';
import { I18nProvider } from '@cloudscape-design/components/i18n';
import englishMessages from '@cloudscape-design/components/i18n/messages/all.en';
import { applyMode, Mode } from '@cloudscape-design/global-styles';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient, setApiClient } from './api/client';
import { pickTransport } from './api/transport';
import { App } from './app/App';
import { useRouter } from './app/router';
import { preloadRoute } from './app/routes';
import { useAppStore } from './features/app/store';
import { readTheme } from './features/settings/theme';

/** How long the first load may take before the console shows "Opening Ferry…". */
const SPINNER_AFTER_MS = 250;

// Boot: pick the transport (desktop preload or headless HTTP), then load and render.
applyMode(readTheme() === 'dark' ? Mode.Dark : Mode.Light);
setApiClient(createClient(pickTransport()));
// The page it opens on: its code comes alongside the first data, not after it.
const firstPage = preloadRoute(useRouter.getState().path);
const rootElement = document.getElementById('root')!;
useAppStore.subscribe((s) => rootElement.setAttribute('data-app-state', s.state));
const started = useAppStore.getState().start(firstPage);
// One render, once the first page's data and code are here, instead of the shell with a spinner
// and then again with the page (each a full render of the shell): the spinner shows only where
// they are slow to come.
void Promise.race([started, new Promise((shown) => setTimeout(shown, SPINNER_AFTER_MS))]).then(() =>
  createRoot(rootElement).render(
    <StrictMode>
      {/* English labels for Cloudscape's own controls (close, pagination, clear…): all named. */}
      <I18nProvider locale="en" messages={[englishMessages]}>
        <App />
      </I18nProvider>
    </StrictMode>,
  ),
);
