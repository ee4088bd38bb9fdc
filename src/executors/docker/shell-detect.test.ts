import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SHELL_CANDIDATES, buildContainerCmd, shellDetectScript } from './shell-detect.js';

describe('shell detection', () => {
  it('probes GitLab\'s shells in order and fails with "shell not found"', () => {
    const script = shellDetectScript();
    const positions = SHELL_CANDIDATES.map((shell) => script.indexOf(`[ -x ${shell} ]`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(script).toContain('echo shell not found');
    expect(script).toContain('exit 1');
    expect(buildContainerCmd()).toEqual(['sh', '-c', script]);
  });
  it('is valid POSIX sh that execs the found shell, which reads stdin', () => {
    const out = execFileSync('sh', ['-c', shellDetectScript()], {
      input: 'echo from-stdin\n',
    }).toString();
    expect(out).toBe('from-stdin\n');
  });
});
