import { describe, expect, it } from 'vitest';
import type { LiveDocument } from '../../../../electron/engine/aws/live-docs';
import {
  changeDocument,
  MERGE_TRIES,
  sameDocument,
} from '../../../../electron/engine/aws/merge-write';
import type { Backup } from '../../../../shared/model/settings';

/** A policy held in memory; `afterWrite` runs once after each of Ferry's writes (another writer). */
function document(initial: string[] | null) {
  const state = { doc: initial === null ? null : policy(initial), writes: 0 };
  let afterWrite: (() => void) | null = null;
  const live: LiveDocument = {
    kind: 'bucket-policy',
    target: 's3://acme',
    read: async () => state.doc,
    write: async (doc) => {
      state.doc = doc;
      state.writes++;
      const other = afterWrite;
      afterWrite = null;
      other?.();
    },
  };
  return {
    live,
    state,
    sids: () =>
      state.doc
        ? (JSON.parse(state.doc) as { Statement: { Sid: string }[] }).Statement.map(
            (s) => s.Sid,
          ).sort()
        : [],
    /** Another writer, who read before Ferry's write, writes right after it. */
    interleave(sids: string[]) {
      afterWrite = () => (state.doc = policy(sids));
    },
  };
}

const policy = (sids: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: sids.map((Sid) => ({ Sid, Effect: 'Allow' })),
  });

/** Ferry's change: its statement `Ours` merged in, every other statement kept. */
const addOurs = (current: string | null) => {
  const sids = current
    ? (JSON.parse(current) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid)
    : [];
  return policy([...sids.filter((s) => s !== 'Ours'), 'Ours']);
};
const keep = async () => ({ id: 'bk' }) as Backup;
const noWait = async () => undefined;

describe('changing a policy another writer changes at the same time', () => {
  it('merges, writes once, and backs up what it replaced', async () => {
    const d = document(['Colleague']);
    const result = await changeDocument({ doc: d.live, change: addOurs, keep, sleep: noWait });
    expect(d.sids()).toEqual(['Colleague', 'Ours']);
    expect(result.backups).toHaveLength(1);
    expect(d.state.writes).toBe(1);
  });

  it('is done when the other writer merged ours in before theirs (statement order aside)', async () => {
    const d = document(['Colleague']);
    d.interleave(['Colleague', 'Ours', 'OtherFerry']);
    await changeDocument({ doc: d.live, change: addOurs, keep, sleep: noWait });
    expect(d.state.writes).toBe(1);
  });

  it("writes again over the other writer's document when theirs landed after ours", async () => {
    const d = document(['Colleague']);
    // The other Ferry read ['Colleague'] too, and writes its statement over our write.
    d.interleave(['Colleague', 'OtherFerry']);
    const result = await changeDocument({ doc: d.live, change: addOurs, keep, sleep: noWait });
    expect(d.sids()).toEqual(['Colleague', 'OtherFerry', 'Ours']);
    expect(d.state.writes).toBe(2);
    expect(result.backups).toHaveLength(2); // their document was backed up before it was replaced
  });

  it('writes nothing when the document already says it', async () => {
    const d = document(['Ours']);
    const result = await changeDocument({ doc: d.live, change: addOurs, keep, sleep: noWait });
    expect(d.state.writes).toBe(0);
    expect(result.backups).toEqual([]);
  });

  it('gives up with a conflict, naming the document, when a writer keeps interleaving', async () => {
    const d = document([]);
    const live = {
      ...d.live,
      write: async (doc: string | null) => {
        await d.live.write(doc);
        d.state.doc = policy(['Other']);
      },
    };
    await expect(
      changeDocument({ doc: live, change: addOurs, keep, sleep: noWait }),
    ).rejects.toThrow(
      `Another writer kept changing the bucket policy of s3://acme while Ferry changed it (${MERGE_TRIES} tries)`,
    );
  });

  it('waits between its write and the read-back, at least 0.3 s', async () => {
    const waits: number[] = [];
    const d = document([]);
    await changeDocument({
      doc: d.live,
      change: addOurs,
      keep,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(300);
  });

  it('compares documents by what they say, not their layout', () => {
    expect(sameDocument('{"a":1,"b":[1,2]}', '{ "b": [1, 2],\n "a": 1 }')).toBe(true);
    expect(sameDocument('{"a":1}', '{"a":2}')).toBe(false);
    expect(sameDocument('{"S":[{"Sid":"x"},{"Sid":"y"}]}', '{"S":[{"Sid":"y"},{"Sid":"x"}]}')).toBe(
      true,
    );
    expect(sameDocument(null, null)).toBe(true);
    expect(sameDocument(null, '{}')).toBe(false);
  });
});
