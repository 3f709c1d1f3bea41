import { describe, expect, it } from 'vitest';
import { scanBlock, STRIDE } from '../../../../electron/engine/pipeline/line-scan';

const config = { hour: null, filter: null };
const block = Buffer.from(
  [
    '{"insert_id":"a","event_type":"x"}',
    'not json',
    '',
    '{"uuid":"b"}',
    '{"insert_id":"a","event_type":"y","server_upload_time":"2026-12-03 10:00:00.000000"}',
  ].join('\n') + '\n',
);

describe('scanBlock into a reused buffer', () => {
  it('gives exactly the records of a fresh scan, whatever the buffer held before', () => {
    const fresh = scanBlock(block, block.length, config);
    const dirty = new Int32Array(64 * STRIDE).fill(-1);
    const reused = scanBlock(block, block.length, config, dirty);
    expect(reused.buffer).toBe(dirty.buffer);
    expect([...reused]).toEqual([...fresh]);
  });

  it('makes a new array when the records do not fit', () => {
    const small = new Int32Array(STRIDE);
    const records = scanBlock(block, block.length, config, small);
    expect(records.buffer).not.toBe(small.buffer);
    expect(records.length).toBe(5 * STRIDE);
  });
});
