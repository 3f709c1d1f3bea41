import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useAppStore } from '../app/store';
import { NotificationSettings } from './NotificationSettings';
import { readTheme, writeTheme, type Theme } from './theme';
import { formatTime, useTimeZone, type TimeZonePref } from '../common/time';
import { InfoLink } from '../help/InfoLink';

/** About this Ferry (version, data folder, how the console is connected) and appearance. */
export function SettingsPage() {
  const info = useAppStore((s) => s.info);
  const [theme, setTheme] = useState<Theme>(readTheme());
  const { zone, set: setZone } = useTimeZone();
  return (
    <ContentLayout
      header={
        <Header variant="h1" info={<InfoLink />}>
          Settings
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">About this Ferry</Header>}>
          {info && (
            <KeyValuePairs
              columns={3}
              items={[
                { label: 'Version', value: info.version },
                {
                  label: 'Console',
                  value: info.transport === 'http' ? 'Headless (ferry serve)' : 'Desktop app',
                },
                ...(info.database
                  ? [
                      {
                        label: 'Team database',
                        value: <span data-testid="database">{info.database}</span>,
                      },
                      {
                        label: 'This host’s working files',
                        value: <span data-testid="data-dir">{info.dataDir}</span>,
                      },
                    ]
                  : [
                      {
                        label: 'Data folder',
                        value: <span data-testid="data-dir">{info.dataDir}</span>,
                      },
                    ]),
                { label: 'Platform', value: info.platform },
                { label: 'Node.js', value: info.node },
                { label: 'Electron', value: info.electron ?? '—' },
                { label: 'Running since', value: formatTime(info.startedAt) },
              ]}
            />
          )}
        </Container>
        <NotificationSettings />
        <Container header={<Header variant="h2">Appearance</Header>}>
          <SpaceBetween size="l">
            <FormField
              label="Times"
              description="How the console shows when things happened. Export hours are always UTC: they name the files."
            >
              <SegmentedControl
                data-testid="time-zone"
                selectedId={zone}
                onChange={(e) => setZone(e.detail.selectedId as TimeZonePref)}
                options={[
                  { id: 'utc', text: 'UTC' },
                  { id: 'local', text: "This computer's time" },
                ]}
              />
            </FormField>
            <FormField label="Theme">
              <SegmentedControl
                selectedId={theme}
                onChange={(e) => {
                  const next = e.detail.selectedId as Theme;
                  setTheme(next);
                  writeTheme(next);
                }}
                options={[
                  { id: 'light', text: 'Light' },
                  { id: 'dark', text: 'Dark' },
                ]}
              />
            </FormField>
          </SpaceBetween>
        </Container>
      </SpaceBetween>
    </ContentLayout>
  );
}
