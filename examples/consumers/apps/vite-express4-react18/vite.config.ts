import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the browser reaches the gateway through Vite's proxy; in production Express serves both.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/ai': process.env['GATEWAY_URL'] ?? 'http://localhost:3000' } },
});
