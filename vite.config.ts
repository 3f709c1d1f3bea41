import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer: built once into out/renderer and served by both the desktop app (app://ferry/)
// and the headless console (http://127.0.0.1:<port>/).
export default defineConfig({
  root: 'renderer',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
    target: 'chrome120',
  },
});
