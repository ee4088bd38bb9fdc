export { type ExpandAllOptions, expandAll, expandVariables, lastVariable } from './expand.js';
export {
  VARIABLE_PRECEDENCE,
  type VariableInput,
  type VariableLayer,
  type VariableSource,
  mergeVariables,
} from './merge.js';
export { type LocalRunContext, commitMessageParts, predefinedVariables } from './predefined.js';
export { slugify } from './slug.js';
