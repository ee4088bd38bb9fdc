import type { JobSpec, JobVariable } from '../protocol/job-spec.js';
import { notice, quote } from './shell-words.js';

function variable(list: readonly JobVariable[], key: string): string | undefined {
  return list.findLast((v) => v.key === key)?.value;
}

/**
 * The body of the `get_sources` stage for a runner job (sources fetched from
 * `git_info.repo_url`), in the spirit of GitLab Runner's fetch strategy: init or reuse the
 * repository, fetch the refspecs at the requested depth, check out the commit detached, clean.
 * Local runs (`dockhand exec`) never use it: the executor puts the work tree in place instead.
 */
export function getSourcesBody(job: JobSpec, variables: readonly JobVariable[]): string[] {
  const strategy = variable(variables, 'GIT_STRATEGY') ?? 'fetch';
  if (strategy === 'none' || strategy === 'empty') {
    return [notice('Skipping Git repository setup'), 'mkdir -p "$CI_PROJECT_DIR"'];
  }
  const git = job.git_info;
  const depthText = variable(variables, 'GIT_DEPTH');
  const depth = depthText === undefined ? git.depth : Number.parseInt(depthText, 10) || 0;
  const refspecs = git.refspecs.length > 0 ? git.refspecs : [`+${git.sha}`];
  const fetch = [
    'git fetch origin',
    ...refspecs.map(quote),
    ...(depth > 0 ? [`--depth ${depth}`] : []),
    '--prune --quiet',
  ].join(' ');
  return [
    notice(
      depth > 0 ? `Fetching changes with git depth set to ${depth}...` : 'Fetching changes...',
    ),
    ...(strategy === 'clone' ? ['rm -rf "$CI_PROJECT_DIR"'] : []),
    'mkdir -p "$CI_PROJECT_DIR"',
    'cd "$CI_PROJECT_DIR"',
    `if [ -d .git ]; then git init; else git init && ${notice('Created fresh repository.')}; fi`,
    `git remote set-url origin ${quote(git.repo_url)} 2>/dev/null || git remote add origin ${quote(git.repo_url)}`,
    fetch,
    notice(`Checking out ${git.sha.slice(0, 8)} as detached HEAD (ref is ${git.ref})...`),
    `git checkout -f -q ${quote(git.sha)}`,
    'git clean -ffdx -q',
    notice('Skipping Git submodules setup'),
  ];
}
