import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MonthFiles } from '../../../../electron/engine/store/month-files';
import { jobRecord } from '../../../support/jobs';

const root = await mkdtemp(join(tmpdir(), 'ferry-fold-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('folding a month journal into its snapshot', () => {
  it('keeps exactly the lines that are jobs, as reading the journal does', async () => {
    const dir = await mkdtemp(join(root, 'month-'));
    const good = jobRecord({ id: 'job-good', hour: '2026-01-01T00' });
    // JSON with a string id and hour, but no job (another version's, or edited): reading the
    // journal skips it; a fold that kept it would write a snapshot no reader accepts.
    const notAJob = { id: 'job-odd', hour: '2026-01-01T01', status: 'half-done' };
    await writeFile(
      join(dir, '2026-01.log.1'),
      `${JSON.stringify(good)}\n${JSON.stringify(notAJob)}\n{"torn":\n`,
    );
    const notices: string[] = [];
    const files = new MonthFiles(dir, (n) => notices.push(n.message), false);
    const folded = await files.fold('2026-01');
    expect(folded?.ids).toEqual(['job-good']);
    const read = await files.read('2026-01');
    expect([...read.records.keys()]).toEqual(['job-good']);
    expect(notices.filter((n) => /could not be read|started empty|damaged/.test(n))).toEqual([]);
    const snapshot = JSON.parse(await readFile(join(dir, '2026-01.json'), 'utf8'));
    expect(snapshot.jobs.map((j: { id: string }) => j.id)).toEqual(['job-good']);
  });
});
