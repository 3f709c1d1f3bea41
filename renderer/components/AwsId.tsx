import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';

/**
 * An identifier an admin pastes into AWS (a bucket, a key or role ARN): shown with a copy button
 * and, where AWS has one, a link to its console page (shared/aws/console-links.ts).
 */
export function AwsId({
  text,
  label,
  href,
  testId,
}: {
  text: string;
  /** What it is, for the buttons' names: "Bucket name", "Key ARN". */
  label: string;
  href: string | null;
  testId?: string;
}) {
  return (
    <SpaceBetween direction="horizontal" size="xs" alignItems="center">
      <span data-testid={testId}>
        <CopyToClipboard
          variant="inline"
          textToCopy={text}
          copyButtonAriaLabel={`Copy ${label.toLowerCase()}`}
          copySuccessText={`${label} copied`}
          copyErrorText={`${label} could not be copied`}
        />
      </span>
      {href && (
        <Link
          external
          href={href}
          target="_blank"
          ariaLabel={`Open ${label.toLowerCase()} in the AWS console`}
        >
          AWS console
        </Link>
      )}
    </SpaceBetween>
  );
}
