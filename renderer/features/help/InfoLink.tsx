import Link from '@cloudscape-design/components/link';
import { useHelpStore } from './store';

/** The "Info" link beside a page heading: opens the help panel about this page. */
export function InfoLink() {
  const setOpen = useHelpStore((s) => s.setOpen);
  return (
    <Link variant="info" ariaLabel="Info about this page" onFollow={() => setOpen(true)}>
      Info
    </Link>
  );
}
