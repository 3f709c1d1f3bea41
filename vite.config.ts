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
  },
});
