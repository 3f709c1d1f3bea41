import Select from '@cloudscape-design/components/select';
import type { Project } from '../../../shared/model/entities';
import { useOrgsStore } from '../organizations/store';
import { useProjectsStore } from '../projects/store';

/**
 * The project a new connection starts with: the one named in the route (`?project=`), else the
 * only exportable project there is, else none.
 */
export function defaultProjectId(fromRoute: string | null, projects: Project[]): string {
  if (fromRoute) return fromRoute;
  const standard = projects.filter((p) => p.kind === 'standard');
  return standard.length === 1 ? String(standard[0]!.id) : '';
}

interface Props {
  value: string;
  onChange(projectId: string): void;
  disabled?: boolean;
  testId: string;
}

/** Projects grouped by organization; portfolios are shown but can not be chosen. */
export function ProjectSelect({ value, onChange, disabled, testId }: Props) {
  const projects = useProjectsStore((s) => s.items);
  const orgs = useOrgsStore((s) => s.items);
  const selected = projects.find((p) => String(p.id) === value);
  return (
    <Select
      data-testid={testId}
      disabled={disabled}
      selectedOption={selected ? { value: String(selected.id), label: selected.name } : null}
      options={orgs.map((o) => ({
        label: `${o.name} (${o.id})`,
        options: projects
          .filter((p) => p.orgId === o.id)
          .map((p) => ({
            value: String(p.id),
            label: p.name,
            description:
              p.kind === 'portfolio' ? 'Portfolio — can not be exported' : `Project ${p.id}`,
            disabled: p.kind === 'portfolio',
          })),
      }))}
      placeholder="Choose a project"
      empty="No projects yet — add one under Organizations & projects"
      onChange={(e) => onChange(e.detail.selectedOption.value ?? '')}
    />
  );
}
