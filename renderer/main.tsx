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

// Boot: pick the transport (desktop preload or headless HTTP), then render and load.
applyMode(readTheme() === 'dark' ? Mode.Dark : Mode.Light);
setApiClient(createClient(pickTransport()));
// The page it opens on: its code comes alongside the first data, not after it.
const firstPage = preloadRoute(useRouter.getState().path);
const rootElement = document.getElementById('root')!;
createRoot(rootElement).render(
  <StrictMode>
    {/* English labels for Cloudscape's own controls (close, pagination, clear…): every one named. */}
    <I18nProvider locale="en" messages={[englishMessages]}>
      <App />
    </I18nProvider>
  </StrictMode>,
);
useAppStore.subscribe((s) => rootElement.setAttribute('data-app-state', s.state));
void useAppStore.getState().start(firstPage);
