import type { Timers } from '../../electron/engine/time/timers';

interface Timer {
  at: number;
  seq: number;
  run: () => void;
}

/**
 * A clock tests move by hand. `advance` moves time forward firing every timer that falls due,
 * in order, letting the work each one starts finish (`settle`) before the next; `sleep` moves
 * time without firing anything, as a laptop's lid closing does.
 */
export class FakeClock implements Timers {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(
    start: string,
    private readonly settle: () => Promise<void> = () => new Promise((r) => setTimeout(r, 5)),
  ) {
    this.time = Date.parse(start);
  }

  now(): Date {
    return new Date(this.time);
  }

  setTimer(run: () => void, ms: number): () => void {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, run };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Pending timers' due times (ms from now), soonest first. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Move forward `ms`, firing timers on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await this.settle();
    for (;;) {
      const next = this.timers
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.at);
      next.run();
      await this.settle();
    }
    this.time = target;
    await this.settle();
  }

  /** Move forward `ms` without firing anything (the machine was asleep). */
  sleep(ms: number): void {
    this.time += ms;
  }

  /** Move to an ISO time, firing timers on the way. */
  advanceTo(iso: string): Promise<void> {
    return this.advance(Date.parse(iso) - this.time);
  }
}
