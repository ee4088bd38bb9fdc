import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { parseVariablesFile } from './variables-file.js';

const FILE = '.dockhand/variables.yml';

function failure(text: string): UsageError {
  try {
    parseVariablesFile(FILE, text);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseVariablesFile', () => {
  it('reads plain values and GitLab variable types', () => {
    const text = [
      'DEPLOY_ENV: staging',
      'RETRIES: 3',
      'KUBECONFIG: { value: "apiVersion: v1", type: file }',
      'TOKEN: { value: s3cret-value, masked: true, expand: false }',
      '',
    ].join('\n');
    expect(parseVariablesFile(FILE, text)).toEqual([
      {
        key: 'DEPLOY_ENV',
        value: 'staging',
        public: false,
        masked: false,
        file: false,
        raw: false,
      },
      { key: 'RETRIES', value: '3', public: false, masked: false, file: false, raw: false },
      {
        key: 'KUBECONFIG',
        value: 'apiVersion: v1',
        public: false,
        masked: false,
        file: true,
        raw: false,
      },
      { key: 'TOKEN', value: 's3cret-value', public: false, masked: true, file: false, raw: true },
    ]);
  });

  it('takes an empty file as no variables', () => {
    expect(parseVariablesFile(FILE, '')).toEqual([]);
    expect(parseVariablesFile(FILE, '# nothing yet\n')).toEqual([]);
  });

  it('names the line and column of invalid YAML, where the unclosed part opens', () => {
    const error = failure('A: 1\nB: [x, y\nC: 3\n');
    expect(error.message).toMatch(/^\.dockhand\/variables\.yml:2:4: invalid YAML: Flow sequence/);
    expect(error.hint).toContain('KEY: value');
  });

  it('names the line of a bad entry', () => {
    expect(failure('A: 1\nB: { type: file }\n').message).toBe(`${FILE}:2:1: B needs a value`);
    expect(failure('A: 1\n\nB: { value: x, type: secret }\n').message).toBe(
      `${FILE}:3:1: B has type "secret"`,
    );
    expect(failure('A: 1\n"not-a-name": x\n').message).toBe(
      `${FILE}:2:1: "not-a-name" is not a variable name`,
    );
    expect(failure('A: [1, 2]\n').message).toContain(`${FILE}:1:1: A must be a string`);
  });

  it('refuses a file that is not a mapping', () => {
    expect(failure('- A\n- B\n').message).toBe(
      `${FILE} must be a mapping of variable names to values`,
    );
  });
});
