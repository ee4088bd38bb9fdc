import { describe, expect, it } from 'vitest';
import { selectRunner } from './runner-selection.js';

const docker = { name: 'docker', tagList: ['docker', 'linux'], runUntagged: false };
const any = { name: 'any', tagList: [], runUntagged: true };

describe('selectRunner', () => {
  it('picks the first runner holding every job tag', () => {
    const choice = selectRunner({ name: 'build', tags: ['docker'] }, [any, docker]);
    expect(choice).toEqual({ ok: true, runner: docker });
  });

  it('gives untagged jobs only to runners with run_untagged', () => {
    expect(selectRunner({ name: 'x', tags: [] }, [docker, any])).toEqual({ ok: true, runner: any });
  });

  it('names the job tags and every runner when none matches', () => {
    const choice = selectRunner({ name: 'gpu-job', tags: ['gpu'] }, [docker, any]);
    expect(choice.ok).toBe(false);
    if (!choice.ok) {
      expect(choice.message).toBe(
        'no runner can take job "gpu-job" with tags [gpu]; runners: docker (tags [docker, linux]); any (no tags, runs untagged jobs)',
      );
      expect(choice.hint).toContain('tag_list');
    }
    const untagged = selectRunner({ name: 'plain', tags: [] }, [docker]);
    expect(untagged.ok).toBe(false);
    if (!untagged.ok) expect(untagged.hint).toContain('run_untagged');
  });
});
