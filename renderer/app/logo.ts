// The logo, inlined by the build as a data: URL (it is under Vite's 4 KiB inline limit): the top
// bar draws it without a request of its own. The tab's icon is the same file (index.html).
import logoUrl from './logo.svg?inline';

export const LOGO_URL: string = logoUrl;
