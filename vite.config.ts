import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';

// The renderer: built once into out/renderer and served by both the desktop app (app://ferry/)
// and the headless console (http://127.0.0.1:<port>/).
export default defineConfig({
  root: 'renderer',
  base: '/',
  plugins: [
    react(),
    // Each asset also as .br and .gz, made once here: the headless console sends the smallest the
    // browser accepts (electron/server/static-files.ts) without compressing per request.
    compression({
      include: /\.(js|css|svg|json)$/,
      threshold: 1024,
      algorithms: ['gzip', defineAlgorithm('brotliCompress')],
      logLevel: 'silent',
    }),
  ],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
    target: 'chrome120',
    rolldownOptions: {
      output: {
        // Code two pages or more share goes in chunks by the set of pages that use it, and sets
        // under ~100 KB join their nearest neighbour: the first load was 18 small files besides
        // its page. The chart library stays apart (only pages with a chart fetch it). Merged
        // chunks run their modules in import order only with strictExecutionOrder (without it
        // the console failed at start: "t is not a function").
        strictExecutionOrder: true,
        codeSplitting: {
          groups: [
            {
              name: 'shared',
              minShareCount: 2,
              entriesAware: true,
              entriesAwareMergeThreshold: 100_000,
              test: (id: string) => !/[\\/](recharts|d3-|victory|es-toolkit)/.test(id),
            },
          ],
        },
      },
    },
  },
});
