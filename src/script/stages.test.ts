import { describe, expect, it } from 'vitest';
import {
  prepareExecutorDescription,
  STAGE_ORDER,
  stageDescription,
  stagesAfterScript,
  STAGES_BEFORE_SCRIPT,
} from './stages.js';

describe('stages', () => {
  it('prints GitLab Runner section headers', () => {
    expect(prepareExecutorDescription('docker')).toBe('Preparing the "docker" executor');
    expect(stageDescription('prepare_script')).toBe('Preparing environment');
    expect(stageDescription('get_sources')).toBe('Getting source from Git repository');
    expect(stageDescription('step_script')).toBe('Executing "step_script" stage of the job script');
    expect(stageDescription('after_script')).toBe('Running after_script');
    expect(stageDescription('cleanup_file_variables')).toBe(
      'Cleaning up project directory and file based variables',
    );
  });

  it('orders the stages as GitLab Runner does', () => {
    expect(STAGE_ORDER.indexOf('get_sources')).toBeLessThan(STAGE_ORDER.indexOf('step_script'));
    expect(STAGES_BEFORE_SCRIPT).not.toContain('step_script');
    expect(STAGE_ORDER.at(-1)).toBe('cleanup_file_variables');
  });

  it('picks the failure variants after a failed or canceled script', () => {
    expect(stagesAfterScript('success')).toEqual([
      'after_script',
      'archive_cache',
      'upload_artifacts_on_success',
      'cleanup_file_variables',
    ]);
    for (const outcome of ['failed', 'canceled'] as const) {
      expect(stagesAfterScript(outcome)).toContain('upload_artifacts_on_failure');
      expect(stagesAfterScript(outcome)[0]).toBe('after_script');
    }
  });
});
