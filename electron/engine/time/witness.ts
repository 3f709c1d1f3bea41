import { utcTime } from '../../../shared/format';
import { performance } from 'node:perf_hooks';
import { HOUR_MS, hourText } from '../../../shared/model/hours';
import { hourIndex } from '../../../shared/model/export-format';
import type { Clock } from '../time/clock';
import type { Timers } from './timers';

/** Clocks that differ by less than this agree (the AWS SDK's own skew threshold). */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** One party's time, as it said it (an HTTP Date header), and when by this computer's clocks. */
interface Report {
  who: string;
  /** Their time, epoch ms. */
  theirs: number;
  /** This computer's wall clock when it arrived. */
  ours: number;
  /** The monotonic clock when it arrived: tells whether the wall clock jumped since. */
  mono: number;
}

export interface ClockWitnessOptions {
  /** This computer's wall clock (the scheduler's timers). */
  clock: Clock;
  /** A clock that never jumps (`performance.now()`); tests pass their own. */
  monotonic?: () => number;
  /** Told when this computer's clock is found ahead, and when it agrees again. */
  onChange?: (message: string, level: 'warning' | 'info') => void;
}

/**
 * What time it really is, by the services Ferry talks to. Every answer of S3 and of the
 * Amplitude Export API carries its server's time (the HTTP `Date` header); they are reported
 * here. A computer whose clock jumped forward (a wrong time zone setting, a dead CMOS battery, a
 * virtual machine resumed) would otherwise take hours that have not happened for ended, and
 * record them as exported with no data.
 *
 * Two uses:
 * - `corrected()`: this computer's clock, set back to the newest report's time while it runs
 *   ahead of it (never forward: a clock behind only exports later, which is harmless). A report
 *   stops counting once the wall clock jumps against the monotonic clock (it was set right).
 * - `theirNowSince(mark)`: the time by the reports that arrived since `mark` (a run's own
 *   answers), the proof a run asks for before it may say its hour has ended.
 * An export that talks to no outside party (a demo or files source into a local folder) has only
 * this computer's clock to go by.
 */
export class ClockWitness {
  private latest: Report | null = null;
  private aheadSaid = false;
  private readonly mono: () => number;

  constructor(private readonly options: ClockWitnessOptions) {
    this.mono = options.monotonic ?? (() => performance.now());
  }

  /** A party's time (epoch ms, e.g. `Date.parse` of a Date header); ignores what is no time. */
  report(who: string, theirs: number): void {
    if (!Number.isFinite(theirs)) return;
    const report = { who, theirs, ours: this.options.clock.now().getTime(), mono: this.mono() };
    this.latest = report;
    const ahead = report.ours - report.theirs;
    if (ahead > CLOCK_TOLERANCE_MS && !this.aheadSaid) {
      this.aheadSaid = true;
      this.options.onChange?.(
        `This computer's clock is ${describeSpan(ahead)} ahead of ${who} (it says ${utcTime(report.ours)}; ${who} says ${utcTime(theirs)}). Until it is set right, Ferry goes by ${who}'s time, so no hour is exported before it has ended.`,
        'warning',
      );
    } else if (ahead <= CLOCK_TOLERANCE_MS && this.aheadSaid) {
      this.aheadSaid = false;
      this.options.onChange?.(
        `This computer's clock agrees with ${who} again; the schedule follows it.`,
        'info',
      );
    }
  }

  /** This computer's own clock, uncorrected (for messages). */
  localNow(): number {
    return this.options.clock.now().getTime();
  }

  /** A mark to ask `theirNowSince` with: reports from now on. */
  mark(): number {
    return this.mono();
  }

  /**
   * The time now by the newest report that arrived since `mark`, with who said it; null when
   * no outside party answered since.
   */
  theirNowSince(mark: number): { who: string; now: number } | null {
    const r = this.latest;
    if (!r || r.mono < mark) return null;
    return { who: r.who, now: r.theirs + (this.mono() - r.mono) };
  }

  /** How far this computer's clock runs ahead of the newest still-valid report (0 if not). */
  aheadMs(): number {
    const r = this.latest;
    if (!r) return 0;
    const wall = this.options.clock.now().getTime() - r.ours;
    const elapsed = this.mono() - r.mono;
    // The wall clock jumped since the report (it was set right, or wrong again): it is stale.
    if (Math.abs(wall - elapsed) > CLOCK_TOLERANCE_MS) return 0;
    const ahead = r.ours - r.theirs;
    return ahead > CLOCK_TOLERANCE_MS ? ahead : 0;
  }

  /** This computer's clock, set back while it runs ahead of what the outside world says. */
  corrected(): Clock {
    return { now: () => new Date(this.options.clock.now().getTime() - this.aheadMs()) };
  }

  /** The same for timers: waits are durations, so only `now` changes. */
  correctedTimers(timers: Timers): Timers {
    return {
      now: () => new Date(timers.now().getTime() - this.aheadMs()),
      setTimer: (run, ms) => timers.setTimer(run, ms),
    };
  }
}

/** An hour that has not ended by the time an outside party gave during its run. */
export class HourNotEnded extends Error {
  constructor(
    readonly hour: string,
    readonly who: string,
    theirs: number,
    ours: number,
  ) {
    super(
      ours - theirs > CLOCK_TOLERANCE_MS
        ? `${hourText(hour)} has not ended yet: ${who} says it is ${utcTime(theirs)}, while this computer's clock says ${utcTime(ours)} (${describeSpan(ours - theirs)} ahead). Nothing was exported, and the hour is exported once it has ended.`
        : `${hourText(hour)} has not ended yet by ${who}'s clock (${utcTime(theirs)}). Nothing was exported, and the hour is exported once it has ended.`,
    );
    this.name = 'HourNotEnded';
  }
}

/** Throw HourNotEnded when `hour` (`yyyy-MM-ddTHH`) has not ended by `their` time. */
export function checkHourEnded(
  hour: string,
  their: { who: string; now: number } | null,
  ours: number,
): void {
  if (!their) return;
  const end = (hourIndex(hour) + 1) * HOUR_MS;
  if (end > their.now + CLOCK_TOLERANCE_MS)
    throw new HourNotEnded(hour, their.who, their.now, ours);
}

function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 72 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}
