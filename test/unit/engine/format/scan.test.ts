import { describe, expect, it } from 'vitest';
import { EventScanner, VALUE } from '../../../../electron/engine/format/scan';
import { EVENT_FIELDS } from '../../../../shared/model/export-format';

const scanner = new EventScanner();
const scan = (text: string) => {
  const buf = Buffer.from(text);
  return scanner.scan(buf, 0, buf.length);
};
const parses = (text: string) => {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
};

describe('the event scanner', () => {
  it('accepts exactly the lines JSON.parse accepts as objects', () => {
    const cases = [
      '{}',
      ' { } ',
      '{"a":1}',
      '{"a":-0.5e+10,"b":[1,2,{"c":null}],"d":"x\\"y\\\\z\\u00e9\\n","e":true,"f":false}',
      '{"nested":{"deep":[[[]]]}}',
      '{"emoji":"😀 café"}',
      '{"a":1,}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":"tab\there"}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":tru}',
      '{"a":nul}',
      '{a:1}',
      '[1,2]',
      '"str"',
      '{"a":1}{',
      '{"a":1} x',
      '{"a" 1}',
      '{"a":[1,]}',
      '{"a":"unterminated}',
      '{"a":1',
      '',
    ];
    for (const text of cases) expect(scan(text), text).toBe(parses(text));
  });

  it('agrees with JSON.parse on thousands of mutated lines', () => {
    const base = JSON.stringify({
      $insert_id: 'abc',
      uuid: 'u-1',
      event_type: 'page view',
      n: 12.5,
      list: [1, 'two', { x: null }],
      ok: true,
    });
    const alphabet = '{}[]":,\\ 0123456789.eE+-truefalsn\t\u0001aé';
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 5000; i++) {
      const chars = [...base];
      const edits = 1 + Math.floor(random() * 3);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(random() * chars.length);
        const op = random();
        if (op < 0.33) chars.splice(at, 1);
        else if (op < 0.66) chars.splice(at, 0, alphabet[Math.floor(random() * alphabet.length)]!);
        else chars[at] = alphabet[Math.floor(random() * alphabet.length)]!;
      }
      const text = chars.join('');
      expect(scan(text), text).toBe(parses(text));
    }
  });

  it('rejects invalid UTF-8 that JSON would carry as replacement characters', () => {
    const buf = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    expect(scanner.scan(buf, 0, buf.length)).toBe(false);
  });

  it('finds the schema fields at the top level only, and the values the pipeline reads', () => {
    const full = Object.fromEntries(EVENT_FIELDS.map((f) => [f, null])) as Record<string, unknown>;
    full.$insert_id = 'id-1';
    full.event_type = 'purchase';
    const text = JSON.stringify(full);
    expect(scan(text)).toBe(true);
    expect(scanner.complete).toBe(true);
    const start = scanner.valueStart[VALUE.insertId]!;
    expect(text.slice(start, scanner.valueEnd[VALUE.insertId])).toBe('"id-1"');

    // A field present only inside a nested object does not count.
    const partial = { ...full };
    delete partial.city;
    const nested = JSON.stringify({ ...partial, user_properties: { city: 'Berlin' } });
    expect(scan(nested)).toBe(true);
    expect(scanner.complete).toBe(false);
    expect(scanner.fieldsFound).toBe(EVENT_FIELDS.length - 1);
    expect(scanner.seen[EVENT_FIELDS.indexOf('city')]).toBe(0);
  });

  it('flags keys written with escapes, which can not be matched byte for byte', () => {
    expect(scan('{"\\u0024insert_id":"x"}')).toBe(true);
    expect(scanner.keyEscaped).toBe(true);
  });
});
