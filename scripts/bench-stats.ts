// What the TypeScript benches share: figures to two decimals, a monotonic clock in ms, and
// p50/p95/max of timed samples.

export const round = (n: number): number => Math.round(n * 100) / 100;

export const now = (): number => performance.now();

export function stats(samples: number[]): { n: number; p50: number; p95: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, p50: round(at(0.5)), p95: round(at(0.95)), max: round(s.at(-1)!) };
}
