import { describe, expect, it } from 'vitest';
import { effectivePullPolicy, pullPolicyLine, stepFor } from './pull-policy.js';

describe('effectivePullPolicy', () => {
  it("defaults to GitLab's [always]", () => {
    expect(effectivePullPolicy({ image: 'a', job: undefined, runner: [], allowed: [] })).toEqual({
      ok: true,
      policies: ['always'],
    });
  });
  it("uses the job's list when allowed, in the job's order", () => {
    expect(
      effectivePullPolicy({
        image: 'a',
        job: ['if-not-present', 'always'],
        runner: ['always'],
        allowed: ['always', 'if-not-present'],
      }),
    ).toEqual({ ok: true, policies: ['if-not-present', 'always'] });
  });
  it('intersects with allowed_pull_policies', () => {
    expect(
      effectivePullPolicy({
        image: 'a',
        job: ['always', 'never'],
        runner: ['always'],
        allowed: ['never'],
      }),
    ).toEqual({ ok: true, policies: ['never'] });
  });
  it('without allowed_pull_policies, allows only the runner pull_policy', () => {
    const decision = effectivePullPolicy({
      image: 'img',
      job: ['always'],
      runner: ['if-not-present'],
      allowed: [],
    });
    expect(decision.ok).toBe(false);
    if (!decision.ok) {
      expect(decision.message).toBe(
        'invalid pull policy for image "img": pull_policy ([always]) defined in GitLab pipeline config is not one of the allowed_pull_policies ([if-not-present])',
      );
    }
  });
  it('fails on an empty intersection of the runner config too', () => {
    const decision = effectivePullPolicy({
      image: 'i',
      job: undefined,
      runner: ['always'],
      allowed: ['never'],
    });
    expect(decision.ok).toBe(false);
    if (!decision.ok) expect(decision.message).toContain('defined in Runner config');
  });
});

describe('pull steps and log line', () => {
  it("prints GitLab's line", () => {
    expect(pullPolicyLine(['always'], 'alpine:3')).toBe(
      'Using effective pull policy of [always] for container alpine:3',
    );
    expect(pullPolicyLine(['always', 'if-not-present'], 'x')).toBe(
      'Using effective pull policy of [always if-not-present] for container x',
    );
  });
  it('maps policy and presence to a step', () => {
    expect(stepFor('always', true)).toBe('pull');
    expect(stepFor('if-not-present', true)).toBe('use-local');
    expect(stepFor('if-not-present', false)).toBe('pull');
    expect(stepFor('never', true)).toBe('use-local');
    expect(stepFor('never', false)).toBe('missing');
  });
});
