// Vite: builds the sign-in page into dist/ (served by the API at `/`) and, in development, serves
// it with hot reload while proxying /api to the API (scripts/dev.mjs starts both). The build also
// writes a brotli (X.br) and a gzip (X.gz) copy of each script and stylesheet, which the API sends
// to browsers that accept them (apps/api/src/middleware/static.ts).

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Text files worth compressing: below about a kilobyte the headers outweigh the saving. */
const COMPRESSIBLE = /\.(js|mjs|css|svg|json|html|txt)$/;
const MIN_BYTES = 1024;

/**
 * Precompressed copies of the build's files, made once at build time at the highest levels
 * (brotli 11, gzip 9) that would be too slow to use per request. A copy that is not smaller than
 * the file is not written, so the server then sends the file itself.
 */
function precompress(): Plugin {
  return {
    name: 'wallet-login:precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const outDir = options.dir ?? 'dist';
      await Promise.all(
        Object.keys(bundle)
          .filter((fileName) => COMPRESSIBLE.test(fileName))
          .map(async (fileName) => {
            const path = join(outDir, fileName);
            const content = await readFile(path);
            if (content.length < MIN_BYTES) return;
            const [br, gz] = await Promise.all([
              brotli(content, {
                params: {
                  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
                  [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
                  [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
                },
              }),
              gzipped(content, { level: constants.Z_BEST_COMPRESSION }),
            ]);
            await Promise.all([
              br.length < content.length ? writeFile(`${path}.br`, br) : undefined,
              gz.length < content.length ? writeFile(`${path}.gz`, gz) : undefined,
            ]);
          }),
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), precompress()],
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
        // of it is dropped from the entry (the native recovery path, the server's checks).
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
