import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';

/** What a list shows when it has nothing yet: what this is, and the one thing to do next. */
export function EmptyState({
  title,
  children,
  action,
  testId,
}: {
  title: string;
  children: ReactNode;
  action?: ReactNode;
  testId?: string;
}) {
  return (
    <Box textAlign="center" color="inherit" padding={{ vertical: 'l' }} data-testid={testId}>
      <SpaceBetween size="s">
        <Box variant="strong" color="inherit">
          {title}
        </Box>
        <Box variant="p" color="text-body-secondary">
          {children}
        </Box>
        {action}
      </SpaceBetween>
    </Box>
  );
}
