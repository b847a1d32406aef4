// Bundles the built CLI (dist/) and its many-file pure dependencies (zod ~100 files, yaml ~70,
// commander...) into dist/bundle/, which bin/jfleet.js loads. Node resolves, reads and links
// every ES module file separately, and a sweep loaded ~260 of them before its first connection;
// one bundle with lazy chunks for the command handlers cuts that start-up (measured: a 20-device
// `jfleet sweep` 1.07 s vs 1.14 s, median of 4). Dependencies with native code or their own file
// lookups (ssh2, better-sqlite3, conf, execa, ...) stay external and load from node_modules.
// Chunks sit two levels below the repository like every dist/<capability>/ module, so paths made
// with new URL('../../…', import.meta.url) (reference data, recipes, bin) still resolve.
import { rolldown } from 'rolldown';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const INLINE = ['zod', 'yaml', 'commander', 'picocolors', 'p-limit', 'yocto-queue', 'i18next'];
const inline = (id) => INLINE.some((p) => id === p || id.startsWith(p + '/'));

rmSync(`${ROOT}dist/bundle`, { recursive: true, force: true });
const bundle = await rolldown({
  input: { main: `${ROOT}dist/main.js` },
  platform: 'node',
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !inline(id),
  logLevel: 'silent',
});
await bundle.write({ dir: `${ROOT}dist/bundle`, format: 'esm', chunkFileNames: '[name]-[hash].js' });
await bundle.close();
