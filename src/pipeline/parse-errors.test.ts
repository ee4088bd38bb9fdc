import { describe, expect, test } from 'vitest';
import { mapIncludeResolver } from './includes.js';
import { parsePipeline } from './parse-pipeline.js';

/** Every error path: [name, YAML, message fragment, line, column, job?]. */
const cases: [string, string, string, number, number, string?][] = [
  ['invalid YAML', 'job:\n  script: [a\n', 'invalid YAML', 3, 1],
  ['empty file', '', 'Please provide content of .gitlab-ci.yml', 1, 1],
  ['not a hash', '- a\n- b\n', 'Invalid configuration format', 1, 1],
  ['no visible jobs', '.hidden:\n  script: x\n', 'at least one visible job', 1, 1],
  ['job without script', 'build:\n  stage: build\n', 'should implement the script:', 1, 1, 'build'],
  ['job not a hash', 'build: make\n', 'should implement the script:', 1, 8, 'build'],
  ['unknown job key', 'build:\n  script: x\n  scirpt: y\n', 'contains unknown keys: scirpt', 1, 1, 'build'],
  ['bad script', 'build:\n  script: {a: 1}\n', 'script config should be a string or a nested array', 2, 11, 'build'],
  ['unknown stage', 'build:\n  stage: nope\n  script: x\n', 'chosen stage nope does not exist', 2, 10, 'build'],
  ['stages not a list', 'stages: build\nj:\n  script: x\n', 'stages config should be an array of strings', 1, 9],
  ['bad when', 'j:\n  script: x\n  when: sometimes\n', 'when config should be one of', 3, 9, 'j'],
  ['delayed without start_in', 'j:\n  script: x\n  when: delayed\n', 'start_in should be specified', 3, 9, 'j'],
  ['bad expression', 'j:\n  script: x\n  rules:\n    - if: $A ==== "b"\n', 'invalid expression syntax', 4, 15, 'j'],
  ['rules with only', 'j:\n  script: x\n  only: [main]\n  rules:\n    - when: always\n', 'may not be used with `rules`: only', 1, 1, 'j'],
  ['rule not a hash', 'j:\n  script: x\n  rules:\n    - always\n', 'rules:rule config should be a hash', 4, 7, 'j'],
  ['unknown rule key', 'j:\n  script: x\n  rules:\n    - iff: $A\n', 'contains unknown keys: iff', 4, 7, 'j'],
  ['unknown extends', 'j:\n  extends: .nope\n  script: x\n', 'unknown keys in `extends` (.nope)', 2, 12, 'j'],
  ['circular extends', '.a:\n  extends: .b\n.b:\n  extends: .a\nj:\n  extends: .a\n  script: x\n', 'circular dependency detected in `extends`', 2, 12],
  ['missing reference', 'j:\n  script:\n    - !reference [.x, script]\n', '!reference [".x", "script"] could not be found', 3, 7, 'j'],
  ['bad reference', 'j:\n  script: !reference []\n', '!reference takes a list of keys', 2, 11],
  ['missing need', 'a:\n  script: x\n  needs: [b]\n', "'a' job needs 'b' job, but 'b' does not exist", 3, 11, 'a'],
  ['need in later stage', 'a:\n  stage: build\n  script: x\n  needs: [b]\nb:\n  stage: test\n  script: x\n', "is in a later stage", 4, 11, 'a'],
  ['needs cycle', 'a:\n  script: x\n  needs: [b]\nb:\n  script: x\n  needs: [a]\n', 'circular dependency detected in `needs`', 3, 3, 'a'],
  ['undefined dependency', 'a:\n  script: x\n  dependencies: [zz]\n', 'undefined dependency: zz', 3, 18, 'a'],
  ['dependency in same stage', 'a:\n  script: x\nb:\n  script: x\n  dependencies: [a]\n', 'not defined in current or prior stages', 5, 18, 'b'],
  ['retry too high', 'j:\n  script: x\n  retry: 3\n', 'retry max should be an integer from 0 to 2', 3, 10, 'j'],
  ['retry bad when', 'j:\n  script: x\n  retry:\n    max: 1\n    when: [cosmic_rays]\n', 'retry when is unknown: cosmic_rays', 5, 11, 'j'],
  ['bad timeout', 'j:\n  script: x\n  timeout: soon\n', 'timeout config should be a duration', 3, 12, 'j'],
  ['timeout too long', 'j:\n  script: x\n  timeout: 2 months\n', 'should not exceed the limit', 3, 12, 'j'],
  ['parallel too big', 'j:\n  script: x\n  parallel: 201\n', 'parallel config should be an integer from 1 to 200', 3, 13, 'j'],
  ['bad matrix', 'j:\n  script: x\n  parallel:\n    matrix: {A: 1}\n', 'parallel:matrix config should be an array', 4, 13, 'j'],
  ['bad image', 'j:\n  script: x\n  image: {entrypoint: [""]}\n', 'image config should have a name', 1, 1, 'j'],
  ['bad pull policy', 'j:\n  script: x\n  image: {name: a, pull_policy: sometimes}\n', 'pull_policy should be always, if-not-present or never', 3, 33, 'j'],
  ['service not hash', 'j:\n  script: x\n  services: [[a]]\n', 'service config should be a string or a hash', 3, 14, 'j'],
  ['cache key slash', 'j:\n  script: x\n  cache:\n    key: a/b\n', 'cannot contain the "/" character', 4, 10, 'j'],
  ['cache policy', 'j:\n  script: x\n  cache:\n    policy: both\n', 'policy config should be one of: pull, push, pull-push', 4, 13, 'j'],
  ['too many key files', 'j:\n  script: x\n  cache:\n    key:\n      files: [a, b, c]\n', 'cache:key:files config should list 1 or 2 files', 5, 14, 'j'],
  ['artifacts when', 'j:\n  script: x\n  artifacts:\n    when: sometimes\n', 'when config should be one of: on_success, on_failure, always', 4, 11, 'j'],
  ['artifacts expire_in', 'j:\n  script: x\n  artifacts:\n    expire_in: someday\n', 'artifacts:expire_in should be a duration', 4, 16, 'j'],
  ['variables not hash', 'variables: [a]\nj:\n  script: x\n', 'variables config should be a hash of key value pairs', 1, 12],
  ['variable bool', 'variables:\n  A: true\nj:\n  script: x\n', 'variable A should be a string, a number or a hash', 2, 6],
  ['variable option', 'variables:\n  A:\n    value: x\n    options: [y, z]\nj:\n  script: x\n', 'value should be one of its options', 3, 12],
  ['allow_failure', 'j:\n  script: x\n  allow_failure: maybe\n', 'allow_failure config should be a boolean or a hash', 3, 18, 'j'],
  ['environment no name', 'j:\n  script: x\n  environment: {url: x}\n', 'environment config should have a name', 3, 16, 'j'],
  ['coverage not regex', 'j:\n  script: x\n  coverage: "Total"\n', 'coverage config should be a regular expression', 3, 13, 'j'],
  ['trigger', 'j:\n  trigger: other/project\n', 'trigger is not supported yet', 2, 12, 'j'],
  ['secrets', 'j:\n  script: x\n  secrets: {A: {vault: x}}\n', 'secrets is not supported yet', 3, 12, 'j'],
  ['id_tokens', 'j:\n  script: x\n  id_tokens: {T: {aud: x}}\n', 'id_tokens is not supported yet', 3, 14, 'j'],
  ['include remote', 'include: https://example.com/ci.yml\nj:\n  script: x\n', 'include:remote is not supported yet', 1, 10],
  ['include template', 'include:\n  - template: Auto-DevOps.gitlab-ci.yml\nj:\n  script: x\n', 'include:template is not supported yet', 2, 5],
  ['include project', 'include:\n  - project: a/b\n    file: c.yml\nj:\n  script: x\n', 'include:project is not supported yet', 2, 5],
  ['include component', 'include:\n  - component: a/b@1\nj:\n  script: x\n', 'include:component is not supported yet', 2, 5],
  ['include missing', 'include: missing.yml\nj:\n  script: x\n', 'Local file `missing.yml` does not exist!', 1, 10],
  ['include not yaml', 'include: notes.txt\nj:\n  script: x\n', 'does not have YAML extension', 1, 10],
  ['include glob empty', 'include: "none/*.yml"\nj:\n  script: x\n', 'Local file `none/*.yml` does not exist!', 1, 10],
  ['include rules', 'include:\n  - local: a.yml\n    rules:\n      - if: $A\nj:\n  script: x\n', 'include:rules is not supported yet', 3, 5],
  ['needs project', 'j:\n  script: x\n  needs:\n    - project: a/b\n      job: c\n      ref: main\n', 'cross-pipeline needs', 4, 7, 'j'],
  ['default unknown key', 'default:\n  stage: x\nj:\n  script: x\n', 'default config contains unknown keys: stage', 1, 1],
  ['workflow bad when', 'workflow:\n  rules:\n    - when: manual\nj:\n  script: x\n', 'when config should be one of: always, never', 3, 13],
  ['inherit unknown default', 'j:\n  script: x\n  inherit:\n    default: [stage]\n', 'inherit:default config contains unknown keywords: stage', 4, 5, 'j'],
  ['matrix duplicates', 'j:\n  script: x\n  parallel:\n    matrix:\n      - A: [x, x]\n', 'creates the job name "j: [x]" twice', 3, 3],
];

describe('parsePipeline errors', () => {
  test.each(cases)('%s', (_name, text, message, line, column, job) => {
    const result = parsePipeline({ file: '.gitlab-ci.yml', text, includes: mapIncludeResolver({ 'notes.txt': 'x' }) });
    expect(result.pipeline).toBeUndefined();
    const found = result.errors.find((problem) => problem.message.includes(message));
    expect(found, `errors were: ${JSON.stringify(result.errors)}`).toBeDefined();
    expect({ line: found!.line, column: found!.column }).toEqual({ line, column });
    expect(found!.file).toBe('.gitlab-ci.yml');
    if (job !== undefined) expect(found!.job).toBe(job);
  });

  test('errors in an included file name that file', () => {
    const result = parsePipeline({
      file: '.gitlab-ci.yml',
      text: 'include: ci/a.yml\n',
      includes: mapIncludeResolver({ 'ci/a.yml': 'j:\n  script: x\n  when: later\n' }),
    });
    expect(result.errors).toMatchObject([{ file: 'ci/a.yml', line: 3, column: 9, job: 'j', keyPath: 'jobs:j:when' }]);
  });

  test('an inherited bad value points at the parent that wrote it', () => {
    const result = parsePipeline({ file: '.gitlab-ci.yml', text: '.base:\n  retry: 9\nj:\n  extends: .base\n  script: x\n' });
    expect(result.errors).toMatchObject([{ line: 2, column: 10, job: 'j' }]);
  });
});
