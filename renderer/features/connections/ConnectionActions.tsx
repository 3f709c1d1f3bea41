import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import type { Connection } from '../../../shared/model/entities';

export type ConnectionAction = 'check' | 'migrate' | 'disable' | 'delete';

/**
 * A connection's less frequent and destructive actions, in one menu (as the AWS console keeps
 * them): each destructive one opens a confirmation that says what it does.
 */
export function ConnectionActions({
  connection,
  canMigrate,
  onAction,
}: {
  connection: Connection;
  /** An S3 connection not yet on KMS and a per-project role. */
  canMigrate: boolean;
  onAction(action: ConnectionAction): void;
}) {
  return (
    <ButtonDropdown
      data-testid="connection-actions"
      items={[
        {
          id: 'check',
          text: connection.destination.type === 'folder' ? 'Check folder…' : 'Check access…',
        },
        ...(canMigrate ? [{ id: 'migrate', text: 'Move to KMS and a per-project role…' }] : []),
        ...(connection.enabled ? [{ id: 'disable', text: 'Disable hourly export…' }] : []),
        { id: 'delete', text: 'Delete connection…' },
      ]}
      onItemClick={(e) => onAction(e.detail.id as ConnectionAction)}
    >
      Actions
    </ButtonDropdown>
  );
}
