/** What tag matching needs to know about a runner. */
export interface TaggedRunner {
  readonly name: string;
  readonly tagList: readonly string[];
  readonly runUntagged: boolean;
}

export type RunnerChoice<R> =
  | { readonly ok: true; readonly runner: R }
  | { readonly ok: false; readonly message: string; readonly hint: string };

function describeTags(tags: readonly string[]): string {
  return tags.length === 0 ? 'no tags' : `tags [${tags.join(', ')}]`;
}

/**
 * GitLab's rule for which runner may take a job: every job tag is among the runner's tags, and a
 * job without tags needs a runner with `run_untagged`. The first matching runner in file order
 * wins. When none matches, the message names the job's tags and every runner's.
 */
export function selectRunner<R extends TaggedRunner>(
  job: { readonly name: string; readonly tags: readonly string[] },
  runners: readonly R[],
): RunnerChoice<R> {
  const match = runners.find((runner) =>
    job.tags.length === 0
      ? runner.runUntagged
      : job.tags.every((tag) => runner.tagList.includes(tag)),
  );
  if (match !== undefined) return { ok: true, runner: match };
  const offered = runners
    .map(
      (r) => `${r.name} (${describeTags(r.tagList)}${r.runUntagged ? ', runs untagged jobs' : ''})`,
    )
    .join('; ');
  return {
    ok: false,
    message: `no runner can take job "${job.name}" with ${describeTags(job.tags)}; runners: ${offered || 'none'}`,
    hint:
      job.tags.length === 0
        ? 'set run_untagged = true on a runner in config.toml, or give the job tags one has'
        : "add the tags to a runner's tag_list in config.toml, or change the job's tags",
  };
}
