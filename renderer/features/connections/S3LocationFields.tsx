import Autosuggest from '@cloudscape-design/components/autosuggest';
import Checkbox from '@cloudscape-design/components/checkbox';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';
import { AWS_REGIONS } from '../../../shared/aws/regions';
import { plainHttpNotice } from '../../../shared/model/fields';

/** Where in S3 a connection writes, as the user types it. */
export interface S3Location {
  bucket: string;
  region: string;
  prefix: string;
  kmsKeyArn: string;
  endpoint: string;
  forcePathStyle: boolean;
}

interface Props {
  value: S3Location;
  onChange: (patch: Partial<S3Location>) => void;
  errorText: (field: keyof S3Location) => string | undefined;
  /** Test ids are `<prefix>-bucket`, `<prefix>-field-bucket`, `<prefix>-endpoint`, … */
  testIdPrefix: string;
  /** Beside the region (the wizard's "Detect"). */
  regionControl?: ReactNode;
}

/**
 * Bucket, region, prefix, KMS key and S3-compatible endpoint: the same fields in the connection
 * form and the setup wizard, so both read and validate alike.
 */
export function S3LocationFields({
  value,
  onChange,
  errorText,
  testIdPrefix: p,
  regionControl,
}: Props) {
  return (
    <SpaceBetween size="m">
      <FormField
        label="Bucket name"
        description="The bucket only, without s3://."
        errorText={errorText('bucket')}
        data-testid={`${p}-field-bucket`}
      >
        <Input
          value={value.bucket}
          onChange={(e) => onChange({ bucket: e.detail.value })}
          placeholder="acme-analytics-export"
          data-testid={`${p}-bucket`}
        />
      </FormField>
      <FormField label="Region" errorText={errorText('region')} secondaryControl={regionControl}>
        <Autosuggest
          value={value.region}
          onChange={(e) => onChange({ region: e.detail.value })}
          options={AWS_REGIONS.map(([code, name]) => ({ value: code, description: name }))}
          enteredTextLabel={(v) => `Use: ${v}`}
          ariaLabel="Region"
          empty="No AWS Region matches; an S3-compatible endpoint may use its own name"
          placeholder="us-east-1"
          data-testid={`${p}-region`}
        />
      </FormField>
      <FormField
        label="Prefix"
        description="Folder inside the bucket; a trailing / is added. Leave empty for the bucket root."
        errorText={errorText('prefix')}
      >
        <Input
          value={value.prefix}
          onChange={(e) => onChange({ prefix: e.detail.value })}
          placeholder="amplitude/"
          data-testid={`${p}-prefix`}
        />
      </FormField>
      <FormField
        label={
          <>
            KMS key ARN <i>- optional</i>
          </>
        }
        description="Encrypt objects with SSE-KMS under this key; empty uses the bucket's default encryption."
        errorText={errorText('kmsKeyArn')}
      >
        <Input
          value={value.kmsKeyArn}
          onChange={(e) => onChange({ kmsKeyArn: e.detail.value })}
          placeholder="arn:aws:kms:us-east-1:111122223333:key/…"
        />
      </FormField>
      <ExpandableSection
        headerText="S3-compatible storage or a test server"
        defaultExpanded={!!value.endpoint}
      >
        <SpaceBetween size="m">
          <FormField
            label="Endpoint URL"
            description="Only for S3-compatible stores (MinIO, moto, …); leave empty for AWS."
            errorText={errorText('endpoint')}
            warningText={plainHttpNotice(value.endpoint)}
          >
            <Input
              value={value.endpoint}
              onChange={(e) => onChange({ endpoint: e.detail.value })}
              placeholder="http://127.0.0.1:9000"
              data-testid={`${p}-endpoint`}
            />
          </FormField>
          <Checkbox
            checked={value.forcePathStyle}
            onChange={(e) => onChange({ forcePathStyle: e.detail.checked })}
            data-testid={`${p}-path-style`}
          >
            Path-style addressing
          </Checkbox>
        </SpaceBetween>
      </ExpandableSection>
    </SpaceBetween>
  );
}
