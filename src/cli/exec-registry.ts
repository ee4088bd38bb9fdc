import { UsageError } from '../core/errors.js';
import type { LocalRunContext } from '../pipeline/variables/index.js';
import type { JobCredential } from '../protocol/job-spec.js';

/**
 * The container registry a local run stands in for GitLab's (`--registry`, `--registry-user`,
 * `--registry-password-file`). GitLab gives each job CI_REGISTRY* variables and a registry
 * credential; `dockhand exec` has no GitLab, so the user names a registry and its login.
 */
export interface ExecRegistry {
  /** `host[:port]`, as CI_REGISTRY. */
  readonly host: string;
  readonly user?: string;
  readonly password?: string;
}

export interface RegistryFlags {
  readonly registry?: string | undefined;
  readonly user?: string | undefined;
  readonly passwordFile?: string | undefined;
}

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/;

/**
 * Validates the flags and reads the password file (one trailing line break dropped, as `echo`
 * and editors add one). The password is never put into an error message.
 */
export function readRegistryFlags(
  flags: RegistryFlags,
  readFile: (path: string) => string,
): ExecRegistry | undefined {
  const { registry, user, passwordFile } = flags;
  if (registry === undefined) {
    if (user !== undefined || passwordFile !== undefined) {
      throw new UsageError('--registry-user and --registry-password-file need --registry', {
        hint: 'e.g. --registry 127.0.0.1:5000 --registry-user me --registry-password-file pw.txt',
      });
    }
    return undefined;
  }
  if (!HOST.test(registry)) {
    throw new UsageError(`--registry takes HOST[:PORT], not "${registry}"`, {
      hint: 'e.g. --registry 127.0.0.1:5000 (no scheme, no path)',
    });
  }
  if ((user === undefined) !== (passwordFile === undefined)) {
    throw new UsageError('--registry-user and --registry-password-file go together', {
      hint: 'give both (a login), or neither (a registry without authentication)',
    });
  }
  if (user === undefined || passwordFile === undefined) return { host: registry };
  let text: string;
  try {
    text = readFile(passwordFile);
  } catch (error) {
    throw new UsageError(`cannot read --registry-password-file ${passwordFile}`, {
      hint: (error as NodeJS.ErrnoException).code ?? 'check the path and its permissions',
    });
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') {
    throw new UsageError(`--registry-password-file ${passwordFile} is empty`);
  }
  return { host: registry, user, password };
}

/**
 * The registry facts of the predefined variables. CI_REGISTRY_IMAGE is the project's path under
 * the registry, lower-cased as GitLab does (image names must be lower case; local project names
 * come from directory names, which need not be).
 */
export function registryContext(
  registry: ExecRegistry | undefined,
  projectPath: string,
): LocalRunContext['registry'] {
  if (registry === undefined) return undefined;
  return {
    host: registry.host,
    image: `${registry.host}/${projectPath}`.toLowerCase(),
    ...(registry.user === undefined ? {} : { user: registry.user }),
    ...(registry.password === undefined ? {} : { password: registry.password }),
  };
}

/**
 * The job's registry credential, as GitLab sends one for its own registry: the docker executor
 * uses it to pull job and service images from that registry (so `pull_policy = always` works for
 * a builder image kept there). Never logged.
 */
export function registryCredentials(registry: ExecRegistry | undefined): JobCredential[] {
  if (registry?.user === undefined || registry.password === undefined) return [];
  return [
    { type: 'registry', url: registry.host, username: registry.user, password: registry.password },
  ];
}
