import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import type { Form } from './draft';

/** Step 2: what the admin does in AWS first, and how the bucket trusts the exports. */
export function TrustStep({ form, onForm }: { form: Form; onForm(form: Form): void }) {
  return (
    <Container header={<Header variant="h2">Before you start</Header>}>
      <SpaceBetween size="m">
        <Box variant="p">
          <b>1. Create the bucket</b> in the S3 console (any region), or use one you have. Keep
          &quot;Block all public access&quot; on — Ferry never needs public access.
        </Box>
        <Box variant="p">
          <b>2. Let Ferry write to it.</b> Ferry writes with an AWS profile on this computer. In a
          later step it generates the exact bucket policy, shows it next to the bucket&apos;s
          current policy, and applies it for you (backing up the old one) — or you copy it into the
          console yourself.
        </Box>
        <FormField
          label="How the bucket trusts the exports"
          description="You can move to the role form later: on the connection's page, Move to KMS and a per-project role… (the KMS migration)."
        >
          <Tiles
            value={form}
            onChange={(e) => onForm(e.detail.value as Form)}
            items={[
              {
                value: 'legacy',
                label: 'Your AWS account',
                description: 'The bucket trusts the account of your profile; simplest.',
              },
              {
                value: 'role',
                label: 'A role per project',
                description: `Exports assume ferry-export-<project>, which only Ferry's exports use.`,
              },
            ]}
          />
        </FormField>
      </SpaceBetween>
    </Container>
  );
}
