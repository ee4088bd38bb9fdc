import { describe, expect, it } from 'vitest';
import {
  PipelineSchedule,
  type AttemptOutcome,
  type ScheduleJob,
  type ScheduleWhen,
} from './pipeline-schedule.js';

interface JobInput {
  stage?: number;
  when?: ScheduleWhen;
  needs?: string[];
  allow?: boolean | number[];
  retry?: { max: number; when?: string[]; exitCodes?: number[] };
  selected?: boolean;
}

function job(name: string, input: JobInput = {}): ScheduleJob {
  const allow = input.allow ?? false;
  return {
    name,
    stageIndex: input.stage ?? 0,
    when: input.when ?? 'on_success',
    ...(input.needs === undefined ? {} : { needs: input.needs }),
    allowFailure: {
      allowed: allow !== false,
      exitCodes: Array.isArray(allow) ? allow : [],
    },
    retry: {
      max: input.retry?.max ?? 0,
      when: input.retry?.when ?? ['always'],
      exitCodes: input.retry?.exitCodes ?? [],
    },
    selected: input.selected ?? false,
  };
}

const OK: AttemptOutcome = { state: 'success' };
const fail = (
  exitCode = 1,
  reason: 'script_failure' | 'job_execution_timeout' = 'script_failure',
): AttemptOutcome =>
  reason === 'script_failure'
    ? { state: 'failed', failureReason: reason, exitCode }
    : { state: 'failed', failureReason: reason };

/**
 * Drives a schedule to the end with scripted outcomes (one per attempt, default success) and
 * records the start order, wave by wave (each wave: what `next()` returned at once).
 */
function drive(
  jobs: ScheduleJob[],
  outcomes: Record<string, AttemptOutcome[]> = {},
  concurrency = 10,
): { waves: string[][]; schedule: PipelineSchedule } {
  const schedule = new PipelineSchedule(jobs, { concurrency });
  const waves: string[][] = [];
  const used = new Map<string, number>();
  let guard = 0;
  while (!schedule.done) {
    if (guard++ > 100) throw new Error('schedule does not end');
    const starts = schedule.next();
    if (starts.length === 0) throw new Error('nothing started but not done');
    waves.push(starts.map((s) => (s.attempt > 1 ? `${s.name}#${s.attempt}` : s.name)));
    for (const start of starts) {
      const n = used.get(start.name) ?? 0;
      used.set(start.name, n + 1);
      schedule.finish(start.name, outcomes[start.name]?.[n] ?? OK);
    }
  }
  return { waves, schedule };
}

function statuses(schedule: PipelineSchedule): Record<string, string> {
  return Object.fromEntries(
    schedule.snapshot().map((s) => [s.name, s.allowedFailure ? 'allowed' : s.status]),
  );
}

describe('stage order', () => {
  it('runs a stage only after every job of earlier stages', () => {
    const { waves } = drive([
      job('a', { stage: 0 }),
      job('b', { stage: 0 }),
      job('c', { stage: 1 }),
      job('d', { stage: 2 }),
    ]);
    expect(waves).toEqual([['a', 'b'], ['c'], ['d']]);
  });

  it('skips later on_success jobs after a failure, runs on_failure and always jobs', () => {
    const { schedule } = drive(
      [
        job('build', { stage: 0 }),
        job('test', { stage: 1 }),
        job('notify', { stage: 1, when: 'on_failure' }),
        job('cleanup', { stage: 2, when: 'always' }),
        job('deploy', { stage: 2 }),
      ],
      { build: [fail()] },
    );
    expect(statuses(schedule)).toEqual({
      build: 'failed',
      test: 'skipped',
      notify: 'success',
      cleanup: 'success',
      deploy: 'skipped',
    });
    expect(schedule.state('test').reason).toBe('"build" failed');
    expect(schedule.failed).toBe(true);
  });

  it('skips on_failure jobs when nothing failed', () => {
    const { schedule } = drive([job('a'), job('rescue', { stage: 1, when: 'on_failure' })]);
    expect(statuses(schedule)).toEqual({ a: 'success', rescue: 'skipped' });
    expect(schedule.failed).toBe(false);
  });

  it('an allowed failure does not stop later stages', () => {
    const { schedule } = drive([job('lint', { allow: true }), job('test', { stage: 1 })], {
      lint: [fail(3)],
    });
    expect(statuses(schedule)).toEqual({ lint: 'allowed', test: 'success' });
    expect(schedule.failed).toBe(false);
  });

  it('allow_failure:exit_codes tolerates only the listed codes', () => {
    const listed = drive([job('a', { allow: [42] }), job('b', { stage: 1 })], { a: [fail(42)] });
    expect(statuses(listed.schedule)).toEqual({ a: 'allowed', b: 'success' });
    const other = drive([job('a', { allow: [42] }), job('b', { stage: 1 })], { a: [fail(1)] });
    expect(statuses(other.schedule)).toEqual({ a: 'failed', b: 'skipped' });
  });

  it('allow_failure:exit_codes alone (allowed: false) tolerates the listed codes', () => {
    const codesOnly: ScheduleJob = {
      ...job('a'),
      allowFailure: { allowed: false, exitCodes: [2] },
    };
    const { schedule } = drive([codesOnly, job('b', { stage: 1 })], { a: [fail(2)] });
    expect(statuses(schedule)).toEqual({ a: 'allowed', b: 'success' });
  });

  it('delayed jobs run like on_success', () => {
    const { waves } = drive([job('a'), job('later', { stage: 1, when: 'delayed' })]);
    expect(waves).toEqual([['a'], ['later']]);
  });
});

describe('manual jobs', () => {
  it('are skipped unless selected', () => {
    const { schedule } = drive([job('deploy', { when: 'manual', allow: true })]);
    expect(schedule.state('deploy')).toMatchObject({
      status: 'skipped',
      reason: 'manual job (name it to run it)',
    });
  });

  it('run when selected', () => {
    const { waves } = drive([job('deploy', { when: 'manual', selected: true })]);
    expect(waves).toEqual([['deploy']]);
  });

  it('an optional manual job (allow_failure: true) does not block later stages', () => {
    const { schedule } = drive([
      job('approve', { when: 'manual', allow: true }),
      job('after', { stage: 1 }),
    ]);
    expect(statuses(schedule)).toEqual({ approve: 'skipped', after: 'success' });
  });

  it('a blocking manual job (allow_failure: false) skips the jobs waiting for it', () => {
    const { schedule } = drive([job('approve', { when: 'manual' }), job('after', { stage: 1 })]);
    expect(schedule.state('after')).toMatchObject({
      status: 'skipped',
      reason: '"approve" did not run',
    });
  });
});

describe('needs (DAG)', () => {
  it('starts a job as soon as its needs are done, ignoring stages', () => {
    const jobs = [
      job('build-a', { stage: 0 }),
      job('build-b', { stage: 0, needs: [] }),
      job('test-b', { stage: 1, needs: ['build-b'] }),
      job('slow', { stage: 0 }),
    ];
    const schedule = new PipelineSchedule(jobs, { concurrency: 10 });
    expect(schedule.next().map((s) => s.name)).toEqual(['build-a', 'build-b', 'slow']);
    schedule.finish('build-b', OK);
    // build-a and slow still run: test-b does not wait for them.
    expect(schedule.next().map((s) => s.name)).toEqual(['test-b']);
  });

  it('needs: [] starts at once even in a late stage', () => {
    const { waves } = drive([job('a', { stage: 0 }), job('z', { stage: 3, needs: [] })]);
    expect(waves).toEqual([['a', 'z']]);
  });

  it('a failed need skips the dependent but not unrelated jobs', () => {
    const { schedule } = drive(
      [
        job('a'),
        job('b'),
        job('after-a', { stage: 1, needs: ['a'] }),
        job('after-b', { stage: 1, needs: ['b'] }),
      ],
      { a: [fail()] },
    );
    expect(statuses(schedule)).toEqual({
      a: 'failed',
      b: 'success',
      'after-a': 'skipped',
      'after-b': 'success',
    });
  });

  it('a skipped need skips the dependent, transitively', () => {
    const { schedule } = drive(
      [job('a'), job('b', { stage: 1, needs: ['a'] }), job('c', { stage: 2, needs: ['b'] })],
      { a: [fail()] },
    );
    expect(schedule.state('c')).toMatchObject({ status: 'skipped', reason: '"b" did not run' });
  });

  it('ignores needs on jobs outside the schedule (a job run on its own)', () => {
    const { waves } = drive([job('deploy', { stage: 2, needs: ['build'] })]);
    expect(waves).toEqual([['deploy']]);
  });

  it('on_failure with needs looks at the needed jobs only', () => {
    const { schedule } = drive(
      [job('a'), job('b'), job('rescue-b', { stage: 1, needs: ['b'], when: 'on_failure' })],
      { a: [fail()] },
    );
    expect(schedule.state('rescue-b').status).toBe('skipped');
  });
});

describe('concurrency', () => {
  it('never runs more jobs than allowed, keeping pipeline order', () => {
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((name) => job(name));
    const { waves } = drive(jobs, {}, 2);
    expect(waves).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fills a freed slot with the next startable job', () => {
    const schedule = new PipelineSchedule([job('a'), job('b'), job('c')], { concurrency: 2 });
    expect(schedule.next().map((s) => s.name)).toEqual(['a', 'b']);
    expect(schedule.next()).toEqual([]);
    schedule.finish('b', OK);
    expect(schedule.next().map((s) => s.name)).toEqual(['c']);
    expect(schedule.done).toBe(false);
  });
});

describe('retry', () => {
  it('retries up to max, then fails', () => {
    const { waves, schedule } = drive([job('flaky', { retry: { max: 2 } })], {
      flaky: [fail(), fail(), fail()],
    });
    expect(waves).toEqual([['flaky'], ['flaky#2'], ['flaky#3']]);
    expect(schedule.state('flaky')).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('stops retrying once an attempt succeeds', () => {
    const { waves, schedule } = drive(
      [job('flaky', { retry: { max: 2 } }), job('next', { stage: 1 })],
      {
        flaky: [fail(), OK],
      },
    );
    expect(waves).toEqual([['flaky'], ['flaky#2'], ['next']]);
    expect(statuses(schedule)).toEqual({ flaky: 'success', next: 'success' });
  });

  it('retries only for the listed failure reasons', () => {
    const timeoutOnly = { max: 2, when: ['job_execution_timeout'] };
    const script = drive([job('j', { retry: timeoutOnly })], { j: [fail(1)] });
    expect(script.waves).toEqual([['j']]);
    const timeout = drive([job('j', { retry: timeoutOnly })], {
      j: [fail(0, 'job_execution_timeout'), OK],
    });
    expect(timeout.waves).toEqual([['j'], ['j#2']]);
  });

  it('retries only for the listed exit codes', () => {
    const retry = { max: 2, exitCodes: [137] };
    expect(drive([job('j', { retry })], { j: [fail(1)] }).waves).toEqual([['j']]);
    expect(drive([job('j', { retry })], { j: [fail(137), OK] }).waves).toEqual([['j'], ['j#2']]);
  });

  it('does not retry a canceled attempt', () => {
    const { schedule } = drive([job('j', { retry: { max: 2 } })], { j: [{ state: 'canceled' }] });
    expect(schedule.state('j')).toMatchObject({ status: 'canceled', attempts: 1 });
    expect(schedule.failed).toBe(true);
  });

  it('later stages wait for the retries', () => {
    const { waves } = drive([job('a', { retry: { max: 1 } }), job('b', { stage: 1 })], {
      a: [fail()],
    });
    expect(waves).toEqual([['a'], ['a#2'], ['b']]);
  });
});

describe('cancel', () => {
  it('skips pending jobs and ends once the running ones finish', () => {
    const schedule = new PipelineSchedule([job('a'), job('b', { stage: 1 })], { concurrency: 2 });
    schedule.next();
    schedule.cancelPending('canceled');
    expect(schedule.done).toBe(false);
    schedule.finish('a', { state: 'canceled' });
    expect(schedule.done).toBe(true);
    expect(schedule.state('b')).toMatchObject({ status: 'skipped', reason: 'canceled' });
  });

  it('rejects a finish for a job that is not running', () => {
    const schedule = new PipelineSchedule([job('a')], { concurrency: 1 });
    expect(() => schedule.finish('a', OK)).toThrow(/not running/);
  });
});
