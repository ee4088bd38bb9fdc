import { describe, expect, it } from 'vitest';
import { LABELS } from '../core/labels.js';
import type { ManagedResource } from './container-types.js';
import { processIsAlive } from './process-alive.js';
import { isOrphan } from './sweeper.js';

const resource = (labels: Record<string, string>): ManagedResource => ({
  kind: 'container',
  id: 'x',
  name: 'x',
  labels: { [LABELS.managed]: 'true', ...labels },
});
const alive = (pid: number) => pid === 100;

describe('isOrphan', () => {
  it('sweeps a foreign session whose process is gone', () => {
    expect(isOrphan(resource({ [LABELS.session]: 'old', [LABELS.pid]: '200' }), 'now', alive)).toBe(
      true,
    );
    expect(isOrphan(resource({ [LABELS.session]: 'old' }), 'now', alive)).toBe(true);
  });
  it('keeps the current session, live owners, unowned resources and the registry', () => {
    expect(isOrphan(resource({ [LABELS.session]: 'now', [LABELS.pid]: '200' }), 'now', alive)).toBe(
      false,
    );
    expect(
      isOrphan(resource({ [LABELS.session]: 'other', [LABELS.pid]: '100' }), 'now', alive),
    ).toBe(false);
    expect(isOrphan(resource({ [LABELS.type]: 'cache' }), 'now', alive)).toBe(false);
    // A kept builds or /cache volume names its (dead) creator but has no session: kept.
    expect(isOrphan(resource({ [LABELS.type]: 'cache', [LABELS.pid]: '200' }), 'now', alive)).toBe(
      false,
    );
    expect(
      isOrphan(resource({ [LABELS.component]: 'registry', [LABELS.session]: 'old' }), 'now', alive),
    ).toBe(false);
    expect(isOrphan({ ...resource({}), labels: { [LABELS.session]: 'old' } }, 'now', alive)).toBe(
      false,
    );
  });
  it('probes processes', () => {
    expect(processIsAlive(process.pid)).toBe(true);
    expect(processIsAlive(2147480000)).toBe(false);
    expect(processIsAlive(0)).toBe(false);
  });
});
