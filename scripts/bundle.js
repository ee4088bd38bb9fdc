// The CLI bundle that bin/dockhand.js runs (second half of `npm run build`, after tsc): the
// sources from src/cli/main.ts, with their npm dependencies, as a few ES modules in dist/bundle/.
// Why: Node 20 has no compile cache, and loading ~170 small files (72 of them yaml's) costs a
// one-line `dockhand exec` tens of milliseconds of file reads and module linking. Code splitting
// keeps every lazily imported command, executor and parser in its own chunk, loaded only when
// used. tsc's per-module dist/ stays: benches, the smoke run and the VM tests import from it.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
/** Chunks of earlier builds are kept this long: running dockhands may still import them. */
const KEEP_OLD_CHUNKS_MS = 24 * 3600 * 1000;

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  write: false,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Named by content: a rebuild leaves unchanged chunks as they are.
  chunkNames: 'chunk-[hash]',
  // Mapped on demand when an internal error is reported (src/cli/stack-trace.ts); Node's own
  // --enable-source-maps works too, but costs every run ≈ 10 ms.
  sourcemap: 'linked',
  // A native addon: loaded from node_modules as before (only `dockhand server` uses it).
  external: ['better-sqlite3'],
  // CommonJS dependencies (yaml) require Node built-ins; ES module chunks have no `require`.
  banner: {
    js: "import { createRequire as __dockhandRequire } from 'node:module'; const require = __dockhandRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// A dockhand started during the build must see either the old entry or the new one with all
// its chunks: chunks first, the entry last and by rename. Old chunks are not deleted at once,
// since a dockhand already running (a daemon, a long job) imports its lazy chunks later.
mkdirSync(outdir, { recursive: true });
const entry = join(outdir, 'main.js');
const files = [...result.outputFiles].sort(
  (a, b) => Number(a.path === entry) - Number(b.path === entry),
);
for (const file of files) {
  const temporary = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, file.path);
}
const current = new Set(files.map((file) => basename(file.path)));
for (const name of readdirSync(outdir)) {
  const path = join(outdir, name);
  if (!current.has(name) && Date.now() - statSync(path).mtimeMs > KEEP_OLD_CHUNKS_MS) {
    rmSync(path, { force: true });
  }
}
