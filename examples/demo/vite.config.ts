import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `vite build` makes dist/, which server.ts serves at /. `vite` (dev) proxies the API to a running demo server.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/ai': `http://127.0.0.1:${process.env['DEMO_SERVER_PORT'] ?? 8787}`,
      '/demo': `http://127.0.0.1:${process.env['DEMO_SERVER_PORT'] ?? 8787}`,
    },
  },
});
