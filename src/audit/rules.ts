import type { RunnerSection } from '../config/types.js';
import type { AuditRule, Finding, Severity } from './finding.js';
import { isolationPhrase, runnerFacts, type RunnerFacts } from './runner-facts.js';

export const AUDIT_RULES: readonly AuditRule[] = [
  {
    id: 'socket-on-shared-host',
    summary: 'The host Docker socket is mounted into jobs of a long-lived executor',
  },
  {
    id: 'socket-services-unrestricted',
    summary: 'Any image can run as a service, and services get the mounted Docker socket',
  },
  {
    id: 'socket-on-disposable-vm',
    summary: 'The Docker socket is mounted, contained to a disposable VM',
  },
  { id: 'privileged-on-shared-host', summary: 'Privileged containers on a long-lived executor' },
  {
    id: 'privileged-on-disposable-vm',
    summary: 'Privileged containers, contained to a disposable VM',
  },
  {
    id: 'reused-vm-with-engine-access',
    summary: 'VMs with Docker access or privilege are reused across jobs',
  },
  {
    id: 'entrypoint-override-allowed',
    summary: 'allowed_images can be bypassed by overriding the image entrypoint',
  },
  { id: 'mutable-allowed-image', summary: 'Images are allowed by mutable tag, not by digest' },
  {
    id: 'job-variables-reach-builder',
    summary: 'Job variables reach a socket-holding builder image',
  },
  {
    id: 'if-not-present-pulls',
    summary: "if-not-present pulls let one project use another project's private image",
  },
  {
    id: 'remote-engine-without-tls',
    summary: 'A remote Docker engine is used without TLS verification',
  },
  {
    id: 'config-world-readable',
    summary: 'The configuration holds runner tokens and is readable by every local user',
  },
];

export interface AuditInput {
  readonly file: string;
  readonly runners: readonly RunnerSection[];
  /** Permission bits of the config file, when known (`stat().mode & 0o777`). */
  readonly fileMode?: number;
}

type Emit = (rule: string, severity: Severity, message: string, fix: string) => void;

function socketFindings(facts: RunnerFacts, emit: Emit): void {
  const socket = facts.socketVolume;
  const name = facts.runner.name;
  const docker = facts.runner.docker;
  if (socket === undefined || docker === undefined) return;
  if (facts.disposable) {
    emit(
      'socket-on-disposable-vm',
      'info',
      `jobs on runner ${name} control the Docker engine of their VM through ${socket.target}; the harm is contained to that VM: ${isolationPhrase(facts)}`,
      'keep MaxBuilds = 1 so no later job inherits what a job left in the engine',
    );
    return;
  }
  const where = facts.reusedVm
    ? "the VM's Docker engine, shared with later jobs"
    : "this host's Docker engine";
  if (docker.allowedImages.length === 0) {
    emit(
      'socket-on-shared-host',
      'high',
      `any project that can run a job on runner ${name} controls ${where}: ${socket.raw} is mounted and ${isolationPhrase(facts)}; with the engine a job can start a privileged container that mounts the host's root filesystem`,
      'run such jobs on docker+machine with MaxBuilds = 1, or restrict allowed_images to a builder image whose entrypoint does the one thing needed',
    );
  }
  if (docker.allowedImages.length > 0 && docker.image !== undefined) {
    emit(
      'default-image-with-socket',
      'high',
      `any project that can run a job on runner ${name} controls ${where}: a job that names no image runs the runner's default image ${docker.image}, which allowed_images does not restrict (as in GitLab Runner), with ${socket.target} mounted and the job's own script; ${isolationPhrase(facts)}`,
      'make the default image the builder image itself, or remove the socket from this runner',
    );
  }
  if (docker.allowedServices.length === 0) {
    emit(
      'socket-services-unrestricted',
      'high',
      `any project that can run a job on runner ${name} controls ${where}: services get the same volumes as the job, so ${socket.target} is mounted into any service image the job names (allowed_services is empty)${docker.allowedImages.length > 0 ? '; allowed_images does not restrict services' : ''}`,
      'set allowed_services to the few service images jobs really need, or move to docker+machine with MaxBuilds = 1',
    );
  }
}

function privilegeFindings(facts: RunnerFacts, emit: Emit): void {
  const name = facts.runner.name;
  if (!facts.privileged && !facts.servicesPrivileged) return;
  const what = facts.privileged ? 'job and service containers' : 'service containers';
  if (facts.disposable) {
    emit(
      'privileged-on-disposable-vm',
      'info',
      `${what} on runner ${name} run privileged (root on their VM); the harm is contained: ${isolationPhrase(facts)}`,
      'keep MaxBuilds = 1; restrict privilege to the services that need it with allowed_privileged_services',
    );
    return;
  }
  emit(
    'privileged-on-shared-host',
    'high',
    `any project that can run a job on runner ${name} is root on ${facts.reusedVm ? 'the reused VM' : 'this host'}: ${what} run privileged and ${isolationPhrase(facts)}`,
    'use docker+machine with MaxBuilds = 1, or allowed_privileged_images / allowed_privileged_services to grant privilege only to vetted images',
  );
}

function reuseFindings(facts: RunnerFacts, emit: Emit): void {
  if (
    !facts.reusedVm ||
    (facts.socketVolume === undefined && !facts.privileged && !facts.servicesPrivileged)
  )
    return;
  emit(
    'reused-vm-with-engine-access',
    'high',
    `a job on runner ${facts.runner.name} can leave a backdoor for later jobs: it has ${facts.socketVolume === undefined ? 'privileged containers' : "the VM's Docker socket"} and ${isolationPhrase(facts)}`,
    'set MaxBuilds = 1 in [runners.machine]',
  );
}

function imagePolicyFindings(facts: RunnerFacts, emit: Emit): void {
  const docker = facts.runner.docker;
  const name = facts.runner.name;
  if (docker === undefined || docker.allowedImages.length === 0) return;
  if (!docker.disableEntrypointOverwrite) {
    emit(
      'entrypoint-override-allowed',
      facts.socketVolume !== undefined && !facts.disposable ? 'high' : 'medium',
      `allowed_images on runner ${name} can be bypassed: disable_entrypoint_overwrite = false lets a job replace the allowed image's entrypoint and run any command in it`,
      'remove disable_entrypoint_overwrite = false (dockhand then refuses entrypoint overrides)',
    );
  }
  const mutable = docker.allowedImages.filter((pattern) => !pattern.includes('@sha256:'));
  if (mutable.length > 0) {
    emit(
      'mutable-allowed-image',
      'medium',
      `runner ${name} allows images by tag (${mutable.join(', ')}): whoever can push a tag to that repository decides what runs${facts.socketVolume === undefined ? '' : ' with the mounted Docker socket'}`,
      'pin allowed images by digest (name@sha256:…); dockhand checks the digest against the image content',
    );
  }
  if (facts.socketVolume !== undefined && !facts.disposable) {
    emit(
      'job-variables-reach-builder',
      'medium',
      `jobs on runner ${name} pass their variables to the allowed builder image: a job can set CI_REGISTRY_IMAGE (or DOCKER_HOST, DOCKER_CONFIG) and make the builder overwrite any image on the host engine or push elsewhere`,
      'make the builder entrypoint derive its targets from values jobs cannot set, and review which variables it trusts',
    );
  }
}

function pullAndEngineFindings(facts: RunnerFacts, emit: Emit): void {
  const docker = facts.runner.docker;
  const name = facts.runner.name;
  if (docker === undefined) return;
  if (docker.pullPolicy.includes('if-not-present') && !facts.disposable) {
    emit(
      'if-not-present-pulls',
      'medium',
      `runner ${name} pulls with if-not-present: a project can run a private image another project pulled, without credentials`,
      'use pull_policy = "always" on runners that serve several projects',
    );
  }
  const host = docker.host ?? '';
  const remote =
    /^(tcp|https?):\/\//.test(host) && !/^(tcp|https?):\/\/(127\.|localhost|\[::1\])/.test(host);
  if (remote && !docker.tlsVerify) {
    emit(
      'remote-engine-without-tls',
      'high',
      `runner ${name} talks to the Docker engine at ${host} without TLS verification: anyone on the path can impersonate the engine or drive it`,
      'set tls_verify = true and tls_cert_path to a directory with ca.pem, cert.pem and key.pem',
    );
  }
}

/** Every finding for a configuration, most severe first, in file order within a severity. */
export function auditConfig(input: AuditInput): Finding[] {
  const findings: Finding[] = [];
  for (const runner of input.runners) {
    const facts = runnerFacts(runner);
    const emit: Emit = (rule, severity, message, fix) =>
      findings.push({
        rule,
        severity,
        runner: runner.name,
        file: input.file,
        line: runner.position.line,
        message,
        fix,
      });
    socketFindings(facts, emit);
    privilegeFindings(facts, emit);
    reuseFindings(facts, emit);
    imagePolicyFindings(facts, emit);
    pullAndEngineFindings(facts, emit);
  }
  const holdsTokens = input.runners.some((r) => r.token !== undefined && r.token !== '');
  if (input.fileMode !== undefined && (input.fileMode & 0o004) !== 0 && holdsTokens) {
    findings.push({
      rule: 'config-world-readable',
      severity: 'high',
      runner: '*',
      file: input.file,
      line: 1,
      message: `${input.file} holds runner tokens and every local user can read it (mode ${input.fileMode.toString(8)}): with a token anyone can take this runner's jobs and their secrets`,
      fix: `chmod 600 ${input.file}`,
    });
  }
  const order = ['high', 'medium', 'low', 'info'];
  return findings.sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
}
