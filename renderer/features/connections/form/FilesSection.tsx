import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import Toggle from '@cloudscape-design/components/toggle';
import { effectiveSse, SSE_MODES } from '../../../../shared/model/entities';
import { SSE_LABELS, type Draft, type SectionProps } from './draft';

/**
 * How the files are cut, compressed, encrypted and filtered, and whether a manifest and a query
 * copy are written.
 */
export function FilesSection({
  draft,
  set,
  err,
  expanded,
  onExpand,
}: SectionProps & { expanded: boolean; onExpand(expanded: boolean): void }) {
  return (
    <Container header={<Header variant="h2">Files</Header>}>
      <ExpandableSection
        headerText={`Partitions, compression, event filter, manifest, query copy${draft.destType === 's3' ? ', JSON table' : ''}`}
        expanded={expanded}
        onChange={(e) => onExpand(e.detail.expanded)}
      >
        <SpaceBetween size="m">
          {draft.destType === 's3' && (
            <FormField
              label="Encryption"
              description="Server-side encryption Ferry asks for on each object. A KMS key above always means SSE-KMS."
              errorText={err('destination.sse')}
            >
              <Select
                selectedOption={{
                  value: effectiveSse(draft.kmsKeyArn, draft.sse),
                  label: SSE_LABELS[effectiveSse(draft.kmsKeyArn, draft.sse)],
                }}
                options={SSE_MODES.map((m) => ({ value: m, label: SSE_LABELS[m] }))}
                onChange={(e) => set('sse', e.detail.selectedOption.value as Draft['sse'])}
              />
            </FormField>
          )}
          <FormField
            label="Partition size (MiB, uncompressed)"
            description="An hour is split into #1, #2, … files of at most this size before gzip."
            errorText={err('options.partitionBytes')}
          >
            <Input
              type="number"
              value={draft.partitionMiB}
              onChange={(e) => set('partitionMiB', e.detail.value)}
              data-testid="connection-partition"
            />
          </FormField>
          <FormField
            label="Compression level"
            description="1 is fastest, 9 smallest; 6 is gzip's default."
            errorText={err('options.gzipLevel')}
          >
            <Select
              selectedOption={{ value: draft.gzipLevel, label: draft.gzipLevel }}
              options={['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((v) => ({
                value: v,
                label: v,
              }))}
              onChange={(e) => set('gzipLevel', e.detail.selectedOption.value ?? '6')}
            />
          </FormField>
          <FormField
            label="Event types"
            errorText={err('options.eventFilter') ?? err('options.eventFilter.eventTypes')}
          >
            <SpaceBetween size="xs">
              <SegmentedControl
                selectedId={draft.filterMode}
                onChange={(e) => set('filterMode', e.detail.selectedId as Draft['filterMode'])}
                options={[
                  { id: 'none', text: 'All events' },
                  { id: 'include', text: 'Only these' },
                  { id: 'exclude', text: 'All but these' },
                ]}
              />
              {draft.filterMode !== 'none' && (
                <Textarea
                  value={draft.filterTypes}
                  onChange={(e) => set('filterTypes', e.detail.value)}
                  placeholder={'page_view\npurchase'}
                  rows={4}
                />
              )}
            </SpaceBetween>
          </FormField>
          <Toggle
            checked={draft.manifest}
            onChange={(e) => set('manifest', e.detail.checked)}
            description="Adds <prefix>_manifests/<project>_<date>_<hour>.json listing each file with its event count and checksum, written after the files."
          >
            Write a manifest per hour
          </Toggle>
          <Toggle
            checked={draft.queryCopy}
            onChange={(e) => set('queryCopy', e.detail.checked)}
            description="Also writes each hour as Parquet under <prefix>_query/events/event_date=<date>/, by the date events happened, for Athena and other query engines. Committed with the hour."
          >
            Write a query copy (Parquet by event date)
          </Toggle>
          {draft.destType === 's3' && (
            <Toggle
              checked={draft.jsonTable}
              onChange={(e) => set('jsonTable', e.detail.checked)}
              description="Query in Athena also offers a Glue table over the JSON files exactly as exported. Not partitioned: every query reads the whole folder, so it costs more than the query copy's."
            >
              Add a table over the JSON files
            </Toggle>
          )}
        </SpaceBetween>
      </ExpandableSection>
    </Container>
  );
}
