import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { Connection } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import { datasetLabel } from '../connections/labels';

/** Which of a connection's datasets to export, kept in the connection's order. */
export function DatasetChecks({
  connection,
  value,
  onChange,
}: {
  connection: Connection;
  value: Dataset[];
  onChange(datasets: Dataset[]): void;
}) {
  return (
    <FormField label="Data">
      <SpaceBetween size="xs">
        {connection.datasets.map((d) => (
          <Checkbox
            key={d}
            checked={value.includes(d)}
            onChange={(e) =>
              onChange(
                e.detail.checked
                  ? connection.datasets.filter((x) => x === d || value.includes(x))
                  : value.filter((x) => x !== d),
              )
            }
          >
            {datasetLabel(d)}
          </Checkbox>
        ))}
      </SpaceBetween>
    </FormField>
  );
}
