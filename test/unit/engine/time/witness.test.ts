import { describe, expect, it } from 'vitest';
import {
  checkHourEnded,
  ClockWitness,
  HourNotEnded,
} from '../../../../electron/engine/time/witness';

const H = 3_600_000;
const REAL = Date.parse('2026-12-02T10:30:00Z');

/** A witness on a wall clock and a monotonic clock the test moves by hand. */
function witness(wallStart: number) {
  let wall = wallStart;
  let mono = 1_000;
  const said: string[] = [];
  const w = new ClockWitness({
    clock: { now: () => new Date(wall) },
    monotonic: () => mono,
    onChange: (message, level) => said.push(`${level}: ${message}`),
  });
  return {
    w,
    said,
    /** Time passes: both clocks move. */
    pass(ms: number) {
      wall += ms;
      mono += ms;
    },
    /** The wall clock is set (jumps); the monotonic clock does not. */
    set(to: number) {
      wall = to;
    },
  };
}

describe('the clock witness', () => {
  it('sets a clock that runs ahead back to the time S3 gives, and says so once', () => {
    const t = witness(REAL + 30 * H);
    expect(t.w.corrected().now().getTime()).toBe(REAL + 30 * H); // nothing known yet
    t.w.report('Amazon S3', REAL);
    t.w.report('Amazon S3', REAL);
    expect(t.w.corrected().now().getTime()).toBe(REAL);
    t.pass(10 * 60_000);
    expect(t.w.corrected().now().getTime()).toBe(REAL + 10 * 60_000);
    expect(t.said).toEqual([
      "warning: This computer's clock is 30 h ahead of Amazon S3 (it says 2026-12-03 16:30 UTC; Amazon S3 says 2026-12-02 10:30 UTC). Until it is set right, Ferry goes by Amazon S3's time, so no hour is exported before it has ended.",
    ]);
  });

  it('never moves a clock forward, and ignores differences within five minutes', () => {
    const behind = witness(REAL - 3 * H);
    behind.w.report('Amazon S3', REAL);
    expect(behind.w.corrected().now().getTime()).toBe(REAL - 3 * H);
    const close = witness(REAL + 4 * 60_000);
    close.w.report('Amazon S3', REAL);
    expect(close.w.corrected().now().getTime()).toBe(REAL + 4 * 60_000);
    expect([...behind.said, ...close.said]).toEqual([]);
  });

  it('drops the correction once the clock is set right (it jumped against the monotonic clock)', () => {
    const t = witness(REAL + 30 * H);
    t.w.report('Amazon S3', REAL);
    t.pass(H);
    t.set(REAL + H); // the admin fixed the clock
    expect(t.w.corrected().now().getTime()).toBe(REAL + H);
    t.w.report('Amazon S3', REAL + H);
    expect(t.said.at(-1)).toBe(
      "info: This computer's clock agrees with Amazon S3 again; the schedule follows it.",
    );
  });

  it('gives a run the time of the answers it got, and nothing when it got none', () => {
    const t = witness(REAL + 30 * H);
    t.w.report('Amazon S3', REAL - H); // an earlier run's answer
    t.pass(1_000);
    const mark = t.w.mark();
    expect(t.w.theirNowSince(mark)).toBeNull();
    t.pass(1_000);
    t.w.report("Amplitude's Export API", REAL);
    t.pass(5_000);
    expect(t.w.theirNowSince(mark)).toEqual({ who: "Amplitude's Export API", now: REAL + 5_000 });
  });
});

describe('whether an hour has ended', () => {
  const s3 = (now: number) => ({ who: 'Amazon S3', now });
  it('refuses an hour that ends after the outside time, naming both clocks', () => {
    expect(() => checkHourEnded('2026-12-02T10', s3(REAL), REAL + 30 * H)).toThrow(HourNotEnded);
    expect(() => checkHourEnded('2026-12-02T10', s3(REAL), REAL + 30 * H)).toThrow(
      "2026-12-02 10:00 UTC has not ended yet: Amazon S3 says it is 2026-12-02 10:30 UTC, while this computer's clock says 2026-12-03 16:30 UTC (30 h ahead).",
    );
    expect(() => checkHourEnded('2026-12-02T09', s3(REAL), REAL)).not.toThrow();
    // Within the tolerance: 10:00–11:00 has ended by 10:56 when S3 says 10:56.
    expect(() => checkHourEnded('2026-12-02T10', s3(REAL + 26 * 60_000), REAL)).not.toThrow();
    expect(() => checkHourEnded('2026-12-02T10', null, REAL + 30 * H)).not.toThrow();
  });
});
