import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/parse-config.js';
import { formatFindingsSarif, formatFindingsText } from './format.js';
import { JOB_AUDIT_RULES } from './job-rules.js';
import { auditConfig, AUDIT_RULES } from './rules.js';

function audit(name: string, fileMode = 0o600) {
  const file = `test/fixtures/configs/${name}`;
  const parsed = parseConfig(readFileSync(file, 'utf8'), name);
  expect(parsed.errors).toEqual([]);
  return auditConfig({ file: name, runners: parsed.config.runners, fileMode });
}

function summary(findings: ReturnType<typeof audit>) {
  return findings.map((f) => `${f.severity} ${f.rule}`);
}

function withToml(toml: string) {
  const parsed = parseConfig(toml, 'inline.toml');
  expect(parsed.errors).toEqual([]);
  return auditConfig({ file: 'inline.toml', runners: parsed.config.runners, fileMode: 0o600 });
}

describe('dockhand audit on the three seed setups', () => {
  it('setup 1: committers get host root through the socket (default image, services), tags are mutable', () => {
    const findings = audit('setup-1-docker-socket.toml');
    expect(summary(findings)).toEqual([
      'high default-image-with-socket',
      'high socket-services-unrestricted',
      'medium mutable-allowed-image',
      'medium job-variables-reach-builder',
    ]);
    expect(findings[0]?.message).toContain("controls this host's Docker engine");
    expect(findings[0]?.message).toContain('the executor keeps running between jobs');
    // The entrypoint hole is closed by dockhand's secure default, so it is not reported.
    expect(findings.some((f) => f.rule === 'entrypoint-override-allowed')).toBe(false);
  });

  it('setup 2: the socket is contained to a disposable VM', () => {
    expect(summary(audit('setup-2-machine-socket.toml'))).toEqual(['info socket-on-disposable-vm']);
  });

  it('setup 3: privilege is contained to a disposable VM', () => {
    expect(summary(audit('setup-3-machine-dind.toml'))).toEqual([
      'info privileged-on-disposable-vm',
    ]);
  });

  it('reports a world-readable config holding tokens', () => {
    const findings = audit('setup-2-machine-socket.toml', 0o644);
    expect(findings[0]).toMatchObject({ rule: 'config-world-readable', severity: 'high', line: 1 });
    expect(findings[0]?.fix).toBe('chmod 600 setup-2-machine-socket.toml');
  });
});

describe('audit rules', () => {
  const socketRunner = (extra: string, executor = 'docker', machine = '') => `
[[runners]]
  name = "r"
  executor = "${executor}"
  [runners.docker]
    image = "alpine"
    volumes = ["/var/run/docker.sock:/var/run/docker.sock"]
${extra}
${machine}`;

  it('socket on a long-lived docker executor without allowed_images is host root', () => {
    expect(summary(withToml(socketRunner('')))).toEqual([
      'high socket-on-shared-host',
      'high socket-services-unrestricted',
    ]);
  });

  it('an explicit disable_entrypoint_overwrite = false with allowed_images is a bypass', () => {
    const findings = withToml(
      socketRunner(
        '    allowed_images = ["b@sha256:0123"]\n    allowed_services = ["x"]\n    disable_entrypoint_overwrite = false',
      ),
    );
    expect(summary(findings)).toContain('high entrypoint-override-allowed');
    expect(summary(findings)).not.toContain('medium mutable-allowed-image');
  });

  it('MaxBuilds > 1 with the socket lets a job backdoor later jobs', () => {
    const findings = withToml(
      socketRunner(
        '',
        'docker+machine',
        '  [runners.machine]\n    MachineName = "m-%s"\n    MachineDriver = "qemu"\n    MaxBuilds = 10',
      ),
    );
    expect(summary(findings)).toContain('high reused-vm-with-engine-access');
    expect(findings.find((f) => f.rule === 'reused-vm-with-engine-access')?.message).toContain(
      'MaxBuilds = 10',
    );
  });

  it('privileged on a long-lived executor is host root', () => {
    const findings = withToml(
      '[[runners]]\n  name = "p"\n  executor = "docker"\n  [runners.docker]\n    image = "a"\n    privileged = true\n',
    );
    expect(summary(findings)).toEqual(['high privileged-on-shared-host']);
  });

  it('if-not-present pulls and a remote engine without TLS', () => {
    const findings = withToml(
      '[[runners]]\n  name = "q"\n  executor = "docker"\n  [runners.docker]\n    image = "a"\n    host = "tcp://10.1.2.3:2375"\n    pull_policy = ["if-not-present"]\n',
    );
    expect(summary(findings)).toEqual([
      'high remote-engine-without-tls',
      'medium if-not-present-pulls',
    ]);
  });

  it('a loopback engine without TLS is not reported', () => {
    const findings = withToml(
      '[[runners]]\n  name = "l"\n  executor = "docker"\n  [runners.docker]\n    image = "a"\n    host = "tcp://127.0.0.1:2375"\n',
    );
    expect(findings).toEqual([]);
    expect(formatFindingsText(findings, false)).toContain('No findings');
  });

  it('SARIF output names every rule and locates results', () => {
    const sarif = JSON.parse(formatFindingsSarif(audit('setup-1-docker-socket.toml'))) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: { ruleId: string; level: string }[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.tool.driver.rules.map((r) => r.id)).toEqual(
      [...AUDIT_RULES, ...JOB_AUDIT_RULES].map((r) => r.id),
    );
    expect(sarif.runs[0]?.results[0]).toMatchObject({
      ruleId: 'default-image-with-socket',
      level: 'error',
    });
  });
});
