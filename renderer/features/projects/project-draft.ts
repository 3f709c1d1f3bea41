import { projectCreate, type Project, type ProjectCreate } from '../../../shared/model/entities';
import { fieldErrors } from '../common/action';

export type SourceType = Project['source']['type'];

/** The project form's fields as the admin types them. */
export interface Draft {
  id: string;
  name: string;
  kind: 'standard' | 'portfolio';
  /** Empty for a new project: where its events come from is asked, never assumed. */
  sourceType: SourceType | '';
  path: string;
  eventsPerHour: string;
  region: 'us' | 'eu';
  endpoint: string;
  apiKey: string;
  secretKey: string;
}

/** The form for a project (or an empty one for a new project). */
export function draftFrom(p: Project | undefined): Draft {
  const s = p?.source;
  return {
    id: p ? String(p.id) : '',
    name: p?.name ?? '',
    kind: p?.kind ?? 'standard',
    sourceType: s?.type ?? '',
    path: s?.type === 'files' ? s.path : '',
    eventsPerHour: s?.type === 'demo' ? String(s.eventsPerHour) : '2000',
    region: s?.type === 'amplitude' ? s.region : 'us',
    endpoint: s?.type === 'amplitude' ? (s.endpoint ?? '') : '',
    apiKey: s?.type === 'amplitude' ? s.apiKey : '',
    secretKey: '',
  };
}

/** The source the draft describes; a demo source keeps its seed across edits. */
function sourceOf(d: Draft, existing: Project | undefined): ProjectCreate['source'] {
  if (d.sourceType === 'files') return { type: 'files', path: d.path };
  if (d.sourceType === 'amplitude')
    return { type: 'amplitude', region: d.region, endpoint: d.endpoint || null, apiKey: d.apiKey };
  const seed = existing?.source.type === 'demo' ? existing.source.seed : 1;
  return { type: 'demo', seed, eventsPerHour: Number(d.eventsPerHour) };
}

/**
 * The draft as the API takes it, and what is wrong with it before it is sent: the schema's
 * problems, and a missing secret key where none is stored for an Amplitude source.
 */
export function checkDraft(
  draft: Draft,
  existing: Project | undefined,
  orgId: number,
  secretStored: boolean,
) {
  const source = sourceOf(draft, existing);
  const secretKey =
    draft.sourceType === 'amplitude' && draft.secretKey ? draft.secretKey : undefined;
  const input: ProjectCreate = {
    id: draft.id,
    orgId,
    name: draft.name,
    kind: draft.kind,
    source,
    secretKey,
  };
  const problems = fieldErrors(projectCreate, input) ?? {};
  if (draft.sourceType === '') problems['source.type'] = 'Choose where the events come from';
  if (draft.sourceType === 'amplitude' && !secretKey && !secretStored)
    problems.secretKey = "Enter the project's secret key";
  return { input, source, secretKey, problems };
}
