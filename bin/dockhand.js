#!/usr/bin/env node
// Thin launcher. `npm run build` makes two copies of the CLI: tsc's per-module dist/cli/ and the
// bundle in dist/bundle/ (scripts/bundle.js), which starts tens of milliseconds sooner. The
// bundle runs unless tsc's output is newer, i.e. someone compiled with tsc alone since the last
// full build (as the engine-tier tests do): then running the bundle would run stale code.
import { statSync } from 'node:fs';
import { URL } from 'node:url';

// bin/dockhand (the installed command) starts `exec` and other commands that open no TLS
// connection with Node's CA store without NODE_EXTRA_CA_CERTS, which costs Node 20 tens of
// milliseconds at start (see there). Put back first, so that git, the jobs and every other
// child process inherit it unchanged.
const deferred = process.env.DOCKHAND_DEFERRED_NODE_EXTRA_CA_CERTS;
if (deferred !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = deferred;
  delete process.env.DOCKHAND_DEFERRED_NODE_EXTRA_CA_CERTS;
}

const modified = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false });
const bundle = modified('../dist/bundle/main.js');
const compiled = modified('../dist/cli/main.js');
if (bundle === undefined && compiled === undefined) {
  process.stderr.write('dockhand is not built: run `npm run build` in its directory\n');
  process.exit(2);
}
const useBundle =
  bundle !== undefined && (compiled === undefined || bundle.mtimeMs >= compiled.mtimeMs);
const { main } = useBundle
  ? await import('../dist/bundle/main.js')
  : await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
