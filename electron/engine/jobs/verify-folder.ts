import { access, constants, statfs } from 'node:fs/promises';
import type { Probe, VerifyReport } from '../../../shared/model/aws';
import type { Clock } from '../time/clock';
import { classifyError } from './errors';
import type { Sink } from '../sinks/types';

/** Staged, never committed: only its temp file in `.ferry-partial/` is ever written. */
const PROBE_KEY = 'ferry-verify.tmp';

/** Below this much free space a folder passes with a warning: a busy hour may not fit. */
export const FOLDER_SPACE_WARNING_BYTES = 1024 ** 3;

/**
 * `ferry verify` of a folder destination: the folder is there, a file can be written, flushed
 * and removed the way an export writes its temp files (through the connection's own sink, into
 * its `.ferry-partial/`), the folder itself takes the finished files, and there is room. Nothing
 * appears among the exported files; only the `.ferry-partial/` folder an export makes too is left.
 * Each failure says what to fix, in the words a failed hour would use; the checks after a
 * failure are skipped.
 */
export async function verifyFolder(sink: Sink, root: string, clock: Clock): Promise<VerifyReport> {
  const probes: Probe[] = [];
  const steps: [Probe['id'], string, () => Promise<Outcome>][] = [
    // One name looked up, not the folder listed: it may hold years of hours.
    [
      'folder',
      'Find the folder',
      async () => (await sink.find([PROBE_KEY]), passed(`${root} is there`)),
    ],
    ['put', 'Write a file the way an export does', () => writeProbe(sink, root)],
    ['space', 'Free space', () => freeSpace(root)],
  ];
  for (const [id, label, run] of steps) {
    if (probes.some((p) => p.status === 'failed')) {
      probes.push(
        probe(id, label, { status: 'skipped', detail: 'Skipped: an earlier check failed.' }),
      );
      continue;
    }
    const outcome = await run().catch((error: unknown): Outcome => {
      const said = classifyError(error);
      return { status: 'failed', detail: said.message, fix: said.fix ?? null };
    });
    probes.push(probe(id, label, outcome));
  }
  return {
    ok: probes.every((p) => p.status !== 'failed'),
    probes,
    bucketRegion: null,
    checkedAt: clock.now().toISOString(),
  };
}

/** What a probe found. */
type Outcome = Pick<Probe, 'status' | 'detail'> & { fix?: string | null };
const passed = (detail: string): Outcome => ({ status: 'passed', detail });

/** A temp file written, flushed and removed; then the folder's own write permission. */
async function writeProbe(sink: Sink, root: string): Promise<Outcome> {
  const staged = await sink.stage(PROBE_KEY);
  try {
    await staged.write(Buffer.alloc(4096));
    await staged.seal();
  } finally {
    await staged.abort();
  }
  // The finished files are renamed into the folder itself: that needs its own permission (a
  // read-only disk answers here too).
  await access(root, constants.W_OK | constants.X_OK);
  return passed('Wrote, flushed and removed a 4 KiB test file');
}

async function freeSpace(root: string): Promise<Outcome> {
  const disk = await statfs(root);
  const free = disk.bavail * disk.bsize;
  const said = `${formatGiB(free)} free on its disk`;
  if (free >= FOLDER_SPACE_WARNING_BYTES) return passed(said);
  return {
    status: 'warning',
    detail: `Only ${said}: a busy hour may not fit.`,
    fix: 'Free space on that disk, or choose a folder on a disk with more room.',
  };
}

function formatGiB(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  if (gib < 1) return `${Math.floor(bytes / 1024 ** 2)} MiB`;
  return gib >= 10 ? `${Math.round(gib)} GiB` : `${gib.toFixed(1)} GiB`;
}

function probe(id: Probe['id'], label: string, outcome: Outcome): Probe {
  return { id, label, missingPermission: null, statement: null, fix: null, ...outcome };
}
