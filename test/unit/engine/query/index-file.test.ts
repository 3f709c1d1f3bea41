import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  indexedKeys,
  queryIndexText,
  QueryIndexUnreadable,
} from '../../../../electron/engine/query/index-file';
import { FolderSink } from '../../../../electron/engine/sinks/folder';
import { queryEventObjectKey, queryIndexKey } from '../../../../shared/model/query-format';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';
const PROJECT = 187520;
const own = queryEventObjectKey('p/', PROJECT, '2020-01-23', HOUR, 2);

async function withIndex(body: string): Promise<FolderSink> {
  const root = await newDir();
  const file = join(root, ...queryIndexKey('p/', PROJECT, HOUR).split('/'));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, body);
  return new FolderSink(root);
}

describe('the query copy’s index of an hour', () => {
  it('names no file where there is no index, and the hour’s own files where there is', async () => {
    expect(await indexedKeys(new FolderSink(await newDir()), 'p/', PROJECT, HOUR)).toEqual([]);
    const sink = await withIndex(queryIndexText(PROJECT, HOUR, [own]));
    expect(await indexedKeys(sink, 'p/', PROJECT, HOUR)).toEqual([own]);
  });

  it.each([
    ['not JSON', 'not json'],
    ['another hour’s', queryIndexText(PROJECT, '2020-01-25T06', [own])],
    ['another project’s', queryIndexText(1, HOUR, [])],
    [
      'naming a file of the JSON export',
      queryIndexText(PROJECT, HOUR, ['p/187520_2020-01-25_5#1.json.gz']),
    ],
    [
      'naming another hour’s copy',
      queryIndexText(PROJECT, HOUR, [
        queryEventObjectKey('p/', PROJECT, '2020-01-23', '2020-01-25T06', 1),
      ]),
    ],
    ['naming a key outside the prefix', queryIndexText(PROJECT, HOUR, [own.replace('p/', 'x/')])],
  ])('refuses an index %s: deleting by it could remove what is not the hour’s', async (_, body) => {
    const sink = await withIndex(body);
    await expect(indexedKeys(sink, 'p/', PROJECT, HOUR)).rejects.toBeInstanceOf(
      QueryIndexUnreadable,
    );
  });
});
