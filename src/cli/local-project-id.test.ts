import { describe, expect, it } from 'vitest';
import { localProjectId } from './local-project-id.js';

describe('localProjectId', () => {
  it('is a positive integer, the same for the same path and different for another', () => {
    const id = localProjectId('/home/ana/src/app');
    expect(Number.isSafeInteger(id)).toBe(true);
    expect(id).toBeGreaterThan(0);
    expect(id).toBeLessThanOrEqual(2 ** 30);
    expect(localProjectId('/home/ana/src/app')).toBe(id);
    expect(localProjectId('/home/ana/src/api')).not.toBe(id);
  });
});
