import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Development: `npm run web:dev` serves the app on :5173 and proxies /api (including the
 * OAuth redirects and SSE streams) to the API on :3000 (API_PROXY_TARGET to change it).
 * Production: `npm run web:build` writes dist/, which the API itself serves (apps/api/src/web).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env.API_PROXY_TARGET ?? 'http://localhost:3000', changeOrigin: false } },
  },
});
