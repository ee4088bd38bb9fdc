/** The pipeline module's public API: .gitlab-ci.yml → Pipeline → Plan → JobSpec. */
export { formatProblem, type PipelineProblem, type SourcePosition } from './errors.js';
export {
  parsePipeline,
  DEFAULT_STAGES,
  type ParseInput,
  type ParseResult,
} from './parse-pipeline.js';
export { RESERVED_KEYS } from './reserved-keys.js';
export { mapIncludeResolver, type IncludeResolver } from './includes.js';
export { includeGlobToRegExp, fnmatch } from './glob.js';
export {
  planPipeline,
  type Plan,
  type PlanContext,
  type PlannedJob,
  type PlanProblem,
} from './plan.js';
export {
  evaluateJobRules,
  evaluateWorkflow,
  type RuleInput,
  type RulesOutcome,
} from './evaluate-rules.js';
export { toJobSpec, DEFAULT_JOB_TIMEOUT, type JobSpecContext } from './to-job-spec.js';
export { formatJobList } from './format-job-list.js';
export { parseDuration } from './keywords/duration.js';
export type * from './model.js';
