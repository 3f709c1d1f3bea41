import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState, type ReactNode } from 'react';
import type { ActionResult } from '../features/common/action';
import { fire } from '../features/common/action';
import { useFreshError } from '../features/app/use-fresh-error';

interface ConfirmProps {
  visible: boolean;
  title: string;
  children: ReactNode;
  onCancel(): void;
  onConfirm(): Promise<ActionResult<unknown>>;
}

/** A delete confirmation that shows why the engine refused (e.g. "still has 2 projects"). */
export function ConfirmDelete(props: ConfirmProps & { typeToConfirm?: string }) {
  return <ConfirmAction {...props} action="Delete" testId="confirm-delete" />;
}

/** A confirmation before a change that matters; a refusal is shown in it, not lost. */
export function ConfirmAction({
  visible,
  title,
  children,
  onCancel,
  onConfirm,
  action,
  testId,
  size = 'medium',
  typeToConfirm,
}: ConfirmProps & {
  action: string;
  testId: string;
  size?: 'medium' | 'large';
  /** A name the admin must type before an irreversible action (as the AWS console asks). */
  typeToConfirm?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useFreshError();
  const [typed, setTyped] = useState('');
  const confirmed = !typeToConfirm || typed.trim() === typeToConfirm;
  const close = () => {
    setError(null);
    setTyped('');
    onCancel();
  };
  return (
    <Modal
      visible={visible}
      size={size}
      onDismiss={close}
      header={title}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={close}>
              Cancel
            </Button>
            <Button
              variant="primary"
              loading={busy}
              disabled={!confirmed}
              data-testid={testId}
              onClick={fire(async () => {
                setBusy(true);
                const result = await onConfirm();
                setBusy(false);
                if (!result.ok) setError(result.message);
              })}
            >
              {action}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box variant="div">{children}</Box>
        {typeToConfirm && (
          <FormField
            label={
              <>
                To confirm, type <code>{typeToConfirm}</code>
              </>
            }
          >
            <Input
              value={typed}
              onChange={(e) => setTyped(e.detail.value)}
              placeholder={typeToConfirm}
              ariaLabel={`Type ${typeToConfirm} to confirm`}
              data-testid={`${testId}-typed`}
            />
          </FormField>
        )}
        {error && <Alert type="error">{error}</Alert>}
      </SpaceBetween>
    </Modal>
  );
}
