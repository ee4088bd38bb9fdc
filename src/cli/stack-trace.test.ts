import { describe, expect, it } from 'vitest';
import { mapStack } from './stack-trace.js';

describe('mapStack', () => {
  // Generated line 1 → source line 1, generated line 2 → source line 2 (column 0 of each).
  const payload = {
    file: 'chunk-A.js',
    version: 3,
    sources: ['../../src/cli/thing.ts'],
    sourcesContent: [],
    names: [],
    mappings: 'AAAA;AACA',
    sourceRoot: '',
  };

  it('maps frames of bundled chunks to their sources and leaves the others', () => {
    const stack = [
      'Error: boom',
      '    at thing (file:///app/dist/bundle/chunk-A.js:2:1)',
      '    at file:///app/dist/bundle/chunk-A.js:1:1',
      '    at other (file:///app/dist/cli/other.js:7:3)',
      '    at node:internal/process/task_queues:95:5',
    ].join('\n');
    const read = (file: string) => (file === '/app/dist/bundle/chunk-A.js' ? payload : undefined);
    expect(mapStack(stack, read).split('\n')).toEqual([
      'Error: boom',
      '    at thing (/app/src/cli/thing.ts:2:1)',
      '    at /app/src/cli/thing.ts:1:1',
      '    at other (file:///app/dist/cli/other.js:7:3)',
      '    at node:internal/process/task_queues:95:5',
    ]);
  });
});
