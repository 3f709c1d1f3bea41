import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { ProbeList } from '../../common/ProbeList';
import { useSetupStore } from '../store';

/** Step 5: do what an export does, and name each missing permission with its statement. */
export function VerifyStep({
  prefix,
  onVerify,
  onUseRegion,
}: {
  prefix: string;
  onVerify(): void;
  /** The bucket is in another region than the one entered: use that one. */
  onUseRegion(region: string): void;
}) {
  const setup = useSetupStore();
  const report = setup.verify;
  return (
    <Container
      header={
        <Header
          variant="h2"
          actions={
            <Button
              loading={setup.busy === 'verify'}
              onClick={onVerify}
              data-testid="wizard-verify"
            >
              {report ? 'Verify again' : 'Verify access'}
            </Button>
          }
        >
          Access checks
        </Header>
      }
    >
      {!report ? (
        <Box variant="p">
          Writes, lists and deletes a few small test objects under {prefix}_ferry-verify/
          {prefix ? '' : ' at the bucket root'}.
        </Box>
      ) : (
        <SpaceBetween size="m" data-testid="verify-results">
          <StatusIndicator type={report.ok ? 'success' : 'error'}>
            {report.ok ? 'Access works' : 'Access is not complete yet'}
          </StatusIndicator>
          <ProbeList
            probes={report.probes}
            testIdPrefix="probe-"
            extra={(p) =>
              p.id === 'location' &&
              report.bucketRegion && (
                <Box variant="small" padding={{ left: 'l' }}>
                  <Link onFollow={() => onUseRegion(report.bucketRegion!)}>
                    Use {report.bucketRegion}
                  </Link>
                </Box>
              )
            }
          />
        </SpaceBetween>
      )}
    </Container>
  );
}
