import { findElectron } from '../../scripts/electron-binary.mjs';

/** Say once, up front, whether the desktop runs happen here and why not. */
export default function globalSetup(): void {
  const found = findElectron();
  if ('reason' in found)
    console.log(`\n[ferry e2e] Electron tests will be SKIPPED: ${found.reason}.\n`);
  else console.log(`\n[ferry e2e] Electron tests run with ${found.path}\n`);
}
