import { describe, expect, it } from 'vitest';
import { bundleInputs } from '../../test/support/bundle-inputs.js';

/**
 * The files `dockhand exec` loads before it knows what it needs: those reached from its command
 * module through static imports only (what the bundle loads with the exec chunk).
 */
async function staticallyLoaded(entry: string): Promise<Set<string>> {
  const inputs = await bundleInputs(entry);
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const edge of inputs[path]?.imports ?? []) {
      if (edge.kind === 'import-statement' && !edge.external) visit(edge.path);
    }
  };
  visit(entry);
  return seen;
}

describe('what a one-line `dockhand exec` loads', () => {
  it('leaves the YAML and TOML parsers and the executors to lazy imports', async () => {
    const loaded = [
      ...(await staticallyLoaded('src/cli/commands/exec.ts')),
      ...(await staticallyLoaded('src/cli/exec-modules.ts')),
    ];
    const unwanted = [
      'node_modules/yaml/',
      'node_modules/toml-eslint-parser/',
      'src/pipeline/parse-pipeline.ts',
      'src/config/parse-config.ts',
      'src/engine/',
      // (its settings' defaults are small and shared with the wiring)
      'src/executors/docker/provider.ts',
      'src/executors/docker/docker-executor.ts',
      'src/executors/shell/',
      'src/executors/machine/',
    ];
    expect(loaded.filter((path) => unwanted.some((u) => path.startsWith(u)))).toEqual([]);
    expect(loaded).toContain('src/cli/pipeline-cache.ts');
  }, 30_000);
});
