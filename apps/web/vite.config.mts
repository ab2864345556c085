// Vite: builds the sign-in page into dist/ (served by the API at `/`) and, in development, serves
// it with hot reload while proxying /api to the API (scripts/dev.mjs starts both).

import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The challenge library from its TypeScript source: one copy of the code, tree-shaken, and no
    // stale build in development.
    alias: {
      '@wallet-login/challenge': fileURLToPath(new URL('../../packages/challenge/src/index.ts', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Files only (no inline scripts or styles), so a strict Content-Security-Policy holds.
    assetsInlineLimit: 0,
    rolldownOptions: {
      treeshake: {
        // The challenge library is pure (no work at import time), so what the page does not use
        // is dropped: web3-eth-accounts, behind its index's signMessage re-export, then lands
        // only in the development-key chunk that does use it.
        moduleSideEffects: [{ test: /[\\/]packages[\\/]challenge[\\/]src[\\/]/, sideEffects: false }],
      },
    },
  },
  server: {
    // Same origin for the page and the API, as in production: the session cookie stays
    // first-party. `ws` carries the live-session WebSocket (/api/ws). scripts/dev.mjs points this
    // at the API it starts.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
