/**
 * What `dockhand exec` needs after reading its flags, in one module so that the bundle
 * (scripts/bundle.js) loads it as one chunk, imported while the git snapshot runs. Left out, and
 * loaded only when used: the parser and YAML library (a parsed-pipeline cache miss, a variables
 * file, `--list`), the TOML parser (a config.toml), and each executor.
 */
export { loadExecRunners } from './exec-config.js';
export { readRegistryFlags } from './exec-registry.js';
export {
  loadExecPlan,
  localRunContext,
  parseVariableFlag,
  pickJobs,
  predefinedRecord,
  refOf,
} from './exec-jobs.js';
export { runExecPipeline } from './exec-pipeline.js';
export { assign, withPredecessors } from './exec-selection.js';
export { mergeVariables } from './exec-variables.js';
