import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/parse-config.js';
import { auditJobs, type AuditedJob } from './job-rules.js';

const config = (docker: string) => {
  const parsed = parseConfig(
    `[[runners]]\n  name = "b"\n  executor = "docker"\n  [runners.docker]\n    image = "ubuntu"\n    volumes = ["/var/run/docker.sock:/var/run/docker.sock"]\n${docker}\n`,
    'config.toml',
  );
  expect(parsed.errors).toEqual([]);
  return parsed.config.runners[0]!;
};

const job = (extra: Partial<AuditedJob>): AuditedJob => ({
  name: 'j',
  file: '.gitlab-ci.yml',
  line: 3,
  image: { name: 'builder:1' },
  services: [],
  runner: undefined,
  ...extra,
});

const rules = (jobs: AuditedJob[]) => auditJobs(jobs).map((f) => `${f.severity} ${f.rule}`);

describe('auditJobs', () => {
  const locked = config('    allowed_images = ["builder:*"]');
  const open = config(
    '    allowed_images = ["builder:*"]\n    disable_entrypoint_overwrite = false',
  );

  it('says an entrypoint override on a locked runner will be refused', () => {
    const findings = auditJobs([
      job({ runner: locked, image: { name: 'builder:1', entrypoint: ['sh', '-c'] } }),
    ]);
    expect(findings.map((f) => f.rule)).toEqual(['job-entrypoint-refused']);
    expect(findings[0]).toMatchObject({
      severity: 'info',
      file: '.gitlab-ci.yml',
      line: 3,
      runner: 'b',
    });
  });

  it('calls the same override on an opted-out socket runner a high-severity bypass', () => {
    expect(rules([job({ runner: open, image: { name: 'builder:1', entrypoint: [''] } })])).toEqual([
      'high job-entrypoint-bypass',
    ]);
  });

  it("reports a job without image that gets the runner's default image and the socket", () => {
    expect(rules([job({ runner: locked, image: undefined })])).toEqual([
      'high job-default-image-with-socket',
    ]);
  });

  it('reports services that get the socket while allowed_services is empty', () => {
    expect(rules([job({ runner: locked, services: [{ name: 'docker:latest' }] })])).toEqual([
      'high job-service-with-socket',
    ]);
    const restricted = config(
      '    allowed_images = ["builder:*"]\n    allowed_services = ["postgres:*"]',
    );
    expect(rules([job({ runner: restricted, services: [{ name: 'postgres:16' }] })])).toEqual([]);
  });

  it('reports a job no runner would take', () => {
    expect(rules([job({})])).toEqual(['low job-without-runner']);
  });
});
