// Loaded with `node --import ./scripts/loop-probe.mjs` into the process that hosts Ferry's engine
// (`ferry serve` in `npm run bench`): measures that process's own event-loop delay with
// perf_hooks.monitorEventLoopDelay — how long a click, an IPC call or a tray update would wait
// behind the export. SIGUSR2 starts a window (clearing what came before); the next SIGUSR2 writes
// the window's figures, in milliseconds, as JSON to FERRY_LOOP_PROBE_FILE. Each sample is the
// time between two ticks of a 10 ms timer, so an idle loop reads about 10 ms: the figures are
// conservative by that much.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.FERRY_LOOP_PROBE_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let open = false;
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  process.on('SIGUSR2', () => {
    if (!open) {
      histogram.reset();
      open = true;
      return;
    }
    open = false;
    writeFileSync(
      file,
      JSON.stringify({
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
        samples: histogram.count,
        resolutionMs: 10,
      }),
    );
  });
}
