// Tests may read the generated docs; the module under test stays pure.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDocs } from './docs.js';

describe('docs/configuration.md', () => {
  it('is exactly what renderConfigDocs() produces (run `npm run docs:config` after schema changes)', () => {
    const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderConfigDocs());
  });

  it('documents the dockhand keys and the honoured status', () => {
    const docs = renderConfigDocs();
    expect(docs).toMatch(/\| `tag_list` +\| string or list +\| `\[\]` +\|/);
    expect(docs).toContain('yes (dockhand key)');
    expect(docs).toMatch(
      /\| `OffPeakIdleCount` +\| integer +\| – +\| .* \| ignored \(deprecated\) +\|/,
    );
    expect(docs).toMatch(/\| `hostname` +\| string +\| – +\| .* \| not yet +\|/);
    expect(docs).toContain('## `[[runners.machine.autoscaling]]`');
  });
});
