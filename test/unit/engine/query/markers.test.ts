import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markedFiles, markersFor } from '../../../../electron/engine/query/markers';
import { FolderSink } from '../../../../electron/engine/sinks/folder';
import {
  queryEventObjectKey,
  queryFileOfMarker,
  queryMarkerKey,
  queryMarkerPrefix,
} from '../../../../shared/model/query-format';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';
const PROJECT = 187520;
const own = queryEventObjectKey('p/', PROJECT, '2020-01-23', HOUR, 2);
const head = queryMarkerPrefix('p/', PROJECT, HOUR);

async function withObjects(keys: string[]): Promise<FolderSink> {
  const root = await newDir();
  for (const key of keys) {
    const file = join(root, ...key.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, '');
  }
  return new FolderSink(root);
}

describe('the query copy’s markers of an hour', () => {
  it('are one empty object per file, under the upload hour’s own folder', () => {
    expect(head).toBe('p/_query/uploads/187520_2020-01-25_5/');
    expect(queryMarkerKey(own, 'p/')).toBe(`${head}2020-01-23#2`);
    expect(queryFileOfMarker(`${head}2020-01-23#2`, 'p/', PROJECT, HOUR)).toBe(own);
    expect(queryMarkerKey('p/187520_2020-01-25_5#1.json.gz', 'p/')).toBeNull();
  });

  it('name no file where there are none, and the hour’s own files where there are', async () => {
    expect(await markedFiles(new FolderSink(await newDir()), 'p/', PROJECT, HOUR)).toEqual([]);
    const other = queryEventObjectKey('p/', PROJECT, '2020-01-25', HOUR, 1);
    const sink = await withObjects([queryMarkerKey(own, 'p/')!, queryMarkerKey(other, 'p/')!]);
    expect(await markedFiles(sink, 'p/', PROJECT, HOUR)).toEqual([own, other]);
  });

  it.each([
    ['another hour’s marker', queryMarkerKey(own.replace('_5#', '_6#'), 'p/')!],
    ['a name with a zero-padded partition', `${head}2020-01-23#02`],
    ['a name that is no date', `${head}2020-13-45#1`],
    ['a name with a path in it', `${head}..#1`],
    ['any other object', `${head}notes.txt`],
  ])('take %s for nothing: it can never send a deletion', async (_, key) => {
    const sink = await withObjects([key]);
    expect(await markedFiles(sink, 'p/', PROJECT, HOUR)).toEqual([]);
  });

  it('add the new files’ markers and remove only the earlier files’ the new copy lacks', () => {
    const kept = queryEventObjectKey('p/', PROJECT, '2020-01-25', HOUR, 1);
    expect(markersFor('p/', [kept], [kept, own])).toEqual({
      add: [queryMarkerKey(kept, 'p/')],
      remove: [queryMarkerKey(own, 'p/')],
    });
  });
});
