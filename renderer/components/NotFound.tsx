import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import type { ReactNode } from 'react';

/** A page whose subject is not there (removed, or a wrong address): its title and why. */
export function NotFound({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box padding="l">
      <Header variant="h1">{title}</Header>
      <Box variant="p">{children}</Box>
    </Box>
  );
}
