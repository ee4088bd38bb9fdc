import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleInputs } from '../../test/support/bundle-inputs.js';

// bin/dockhand starts some commands without NODE_EXTRA_CA_CERTS (Node 20 loads it eagerly, at a
// cost of tens of milliseconds) because they open no TLS connection that uses Node's default CA
// store. This keeps that true: everything those commands can load, lazily loaded code included,
// is searched for a way to such a connection.
const root = join(import.meta.dirname, '../..');

/** The commands the launcher defers the variable for, by their module. */
const deferred: Readonly<Record<string, string>> = {
  exec: 'src/cli/commands/exec.ts',
  lint: 'src/cli/commands/lint.ts',
  config: 'src/cli/commands/config-check.ts',
  audit: 'src/cli/commands/audit.ts',
};

/** TLS with an explicit `ca` (Docker's DOCKER_CERT_PATH model): Node's CA store is not used. */
const EXPLICIT_CA = new Set(['src/engine/http/transport.ts']);
// The global fetch (called, or passed on as a default) and the TLS-capable modules; not the
// word "fetch" of git's vocabulary.
const TLS_USE =
  /(?<![.\w])fetch\(|\?\?\s*fetch\b|globalThis\.fetch|node:https|node:tls|node:http2|require\(["'](https|tls)["']\)/;

async function everythingLoadable(entry: string): Promise<string[]> {
  return Object.keys(await bundleInputs(entry));
}

describe('commands started without NODE_EXTRA_CA_CERTS', () => {
  it('are the ones bin/dockhand names', () => {
    const script = readFileSync(join(root, 'bin', 'dockhand'), 'utf8');
    const pattern = /^\s*case "\$1" in\n\s*(.+)\)$/m.exec(script)?.[1] ?? '';
    const named = pattern.split('|').map((word) => word.trim());
    expect(
      named.filter((word) => !word.startsWith('-') && word !== 'help' && word !== "''"),
    ).toEqual(Object.keys(deferred));
  });

  it('would notice the coordinator client and the server (a check of the check)', () => {
    for (const file of ['src/api/http.ts', 'src/cli/commands/server.ts']) {
      expect(TLS_USE.test(readFileSync(join(root, file), 'utf8'))).toBe(true);
    }
  });

  for (const [command, entry] of Object.entries(deferred)) {
    it(`${command} can reach no TLS connection that uses Node's CA store`, async () => {
      const files = await everythingLoadable(entry);
      expect(files).toContain(entry);
      // Lazily imported code is walked too: exec reaches the engine only through import().
      if (command === 'exec') expect(files).toContain('src/engine/http/transport.ts');
      const reaching = files.filter(
        (file) =>
          !EXPLICIT_CA.has(file) &&
          (file.startsWith('src/api/') ||
            file.startsWith('src/coordinator/') ||
            TLS_USE.test(readFileSync(join(root, file), 'utf8'))),
      );
      expect(reaching).toEqual([]);
    }, 30_000);
  }
});
