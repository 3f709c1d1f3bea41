import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import { routeQuery } from '../../app/route-paths';
import { useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { SaveForm, useSaveForm } from '../common/SaveForm';
import { hasErrorUnder } from '../common/form-errors';
import { useProjectsStore } from '../projects/store';
import { DestinationSection } from './form/DestinationSection';
import {
  destinationMove,
  draftFrom,
  problemsOf,
  shownFields,
  toInput,
  type Draft,
  type SetDraft,
} from './form/draft';
import { ExportSection } from './form/ExportSection';
import { FilesSection } from './form/FilesSection';
import { ScheduleSection } from './form/ScheduleSection';
import { SourceSection } from './form/SourceSection';
import { defaultProjectId } from './ProjectSelect';
import { useConnectionsStore } from './store';

/** Create a connection, or edit one: project → destination → what to export. */
export function ConnectionFormPage({ id }: { id?: string }) {
  const { path, navigate } = useRouter();
  const store = useConnectionsStore();
  const projects = useProjectsStore((s) => s.items);
  const flash = useAppStore((s) => s.flash);
  const existing = id ? store.items.find((c) => c.id === id) : undefined;
  const [draft, setDraft] = useState<Draft>(() =>
    draftFrom(
      existing,
      defaultProjectId(routeQuery(path).get('project'), projects),
      routeQuery(path).get('type') === 'folder' ? 'folder' : 's3',
    ),
  );
  const form = useSaveForm();
  const { recheck } = form;
  // A section holding a field marked in red is open, so the mark is seen.
  const [filesOpen, setFilesOpen] = useState(
    draft.filterMode !== 'none' || draft.manifest || draft.queryCopy,
  );
  const [scheduleOpen, setScheduleOpen] = useState(false);
  useEffect(() => recheck(problemsOf(draft)), [draft, recheck]);

  if (id && !existing) return <Header variant="h1">Connection {id} was not found</Header>;

  const set: SetDraft = (key, value) => setDraft((d) => ({ ...d, [key]: value }));
  const err = (field: string) => form.errors[field];
  const section = { draft, set, err };

  const submit = async () => {
    const input = toInput(draft);
    const { projectId: _projectId, ...changes } = input;
    const saved = await form.save(problemsOf(draft), () =>
      existing ? store.update({ id: existing.id, ...changes }) : store.create(input),
    );
    if (!saved) return;
    flash(
      'success',
      existing ? `Connection "${saved.name}" saved.` : `Connection "${saved.name}" created.`,
    );
    navigate(`/connections/${saved.id}`);
  };

  return (
    <SaveForm
      title={existing ? `Edit ${existing.name}` : 'Create connection'}
      description="Export one project's events to an S3 bucket (or a local folder), hour by hour."
      state={form}
      fields={shownFields(draft)}
      submitLabel={existing ? 'Save changes' : 'Create connection'}
      testId="connection"
      onSubmit={() => void submit()}
      onCancel={() => navigate(existing ? `/connections/${existing.id}` : '/connections')}
    >
      <SpaceBetween size="l">
        <SourceSection {...section} locked={!!existing} />

        <DestinationSection
          {...section}
          patch={(change) => setDraft((d) => ({ ...d, ...change }))}
          move={destinationMove(existing, draft)}
        />

        <ExportSection {...section} />

        <FilesSection
          {...section}
          expanded={filesOpen || hasErrorUnder(form.errors, 'options', 'destination.sse')}
          onExpand={setFilesOpen}
        />

        <ScheduleSection
          {...section}
          expanded={scheduleOpen || hasErrorUnder(form.errors, 'schedule')}
          onExpand={setScheduleOpen}
        />
      </SpaceBetween>
    </SaveForm>
  );
}
