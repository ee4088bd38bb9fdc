import { normalizeConfig } from './normalize.js';
import { Reporter } from './reporter.js';
import { applyRules } from './rules.js';
import { globalSection } from './schema/global.js';
import { parseTomlSource } from './toml-source.js';
import type { ParseConfigResult, RunnerConfig } from './types.js';
import { walkConfig } from './walk.js';

const EMPTY_CONFIG: RunnerConfig = {
  concurrent: 1,
  checkInterval: 3,
  logLevel: 'info',
  shutdownTimeout: 30,
  runners: [],
};

function internalProblem(file: string, error: unknown): ParseConfigResult {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    config: EMPTY_CONFIG,
    warnings: [],
    errors: [
      {
        severity: 'error',
        code: 'internal',
        file,
        line: 1,
        column: 1,
        keyPath: '',
        message: `dockhand could not check this file (a bug in dockhand): ${detail}`,
        hint: 'please report it with the file (tokens removed)',
      },
    ],
  };
}

/**
 * config.toml text → typed configuration, with every problem as a value: schema walk (unknown
 * keys, types, keys not honoured), then normalisation (defaults, per-value checks), then rules
 * that look across keys. Pure; never throws. `file` is only used in the problems it returns.
 */
export function parseConfig(text: string, file: string): ParseConfigResult {
  try {
    const parsed = parseTomlSource(text);
    if (!parsed.ok) {
      const report = new Reporter(file, undefined);
      report.error({
        code: 'toml-syntax',
        path: [],
        at: parsed.position,
        message: `TOML syntax error: ${parsed.message}`,
        hint: 'fix the TOML syntax at this position (https://toml.io/en/v1.0.0)',
      });
      return { config: EMPTY_CONFIG, warnings: [], errors: report.errors };
    }
    const report = new Reporter(file, parsed.source);
    const root = walkConfig(globalSection, parsed.source, report);
    const config = normalizeConfig(root, parsed.source, report);
    applyRules(config, root, report);
    const byPosition = (a: { line: number; column: number }, b: { line: number; column: number }) =>
      a.line - b.line || a.column - b.column;
    return {
      config,
      warnings: [...report.warnings].sort(byPosition),
      errors: [...report.errors].sort(byPosition),
    };
  } catch (error) {
    // A bug must not crash `config check`; it is still reported as one.
    return internalProblem(file, error);
  }
}
