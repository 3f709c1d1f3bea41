import Link from '@cloudscape-design/components/link';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import { ProjectSelect } from './ProjectSelect';
import { useOrgsStore } from '../organizations/store';

/**
 * A connection's name and its project: the same two fields in the connection form and in the
 * setup wizard. `testIdPrefix` keeps each page's test ids (`<prefix>-name`, `<prefix>-project`).
 */
export function SourceFields({
  name,
  projectId,
  onName,
  onProject,
  err,
  projectLocked = false,
  testIdPrefix,
}: {
  name: string;
  projectId: string;
  onName: (name: string) => void;
  onProject: (projectId: string) => void;
  err: (field: string) => string | undefined;
  projectLocked?: boolean;
  testIdPrefix: string;
}) {
  return (
    <>
      <FormField
        label="Connection name"
        description="A short name you will recognise, also used by the CLI (ferry export <name>)."
        errorText={err('name')}
      >
        <Input
          value={name}
          onChange={(e) => onName(e.detail.value)}
          placeholder="prod-events"
          data-testid={`${testIdPrefix}-name`}
        />
      </FormField>
      <FormField
        label="Project"
        description={
          projectLocked ? 'Fixed once the connection exists.' : 'Whose events to export.'
        }
        errorText={err('projectId')}
        secondaryControl={projectLocked ? undefined : <AddProjectLink />}
      >
        <ProjectSelect
          value={projectId}
          onChange={onProject}
          disabled={projectLocked}
          testId={`${testIdPrefix}-project`}
        />
      </FormField>
    </>
  );
}

/** The project is not there yet: add it (in the one organization, or choose which). */
function AddProjectLink() {
  const orgs = useOrgsStore((s) => s.items);
  const href =
    orgs.length === 1 ? `#/organizations/${orgs[0]!.id}/projects/new` : '#/organizations';
  return <Link href={href}>Add a project</Link>;
}
