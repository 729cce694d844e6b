// Bundles the dashboard into dist/: the page, its stylesheet and one ES module
// (the app with @polkadot/api), ready for any static file server.

import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';

const dist = new URL('./dist/', import.meta.url);
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const started = Date.now();
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/app.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(new URL('./index.html', import.meta.url), new URL('index.html', dist));
await copyFile(new URL('./src/style.css', import.meta.url), new URL('style.css', dist));
console.log(`dashboard built into dist/ in ${Date.now() - started} ms`);
