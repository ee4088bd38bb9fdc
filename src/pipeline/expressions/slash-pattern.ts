import { type Re2TranslateResult, translateRe2 } from './re2-translate.js';

/**
 * GitLab's `/pattern/flags` form (gitlabhq `Gitlab::UntrustedRegexp::RubySyntax`), used both for
 * regex literals and for variables whose value is a pattern (`$X =~ $PATTERN`, GitLab ≥ 15.0).
 * Ruby's `^`, `$` and `.` are line-based, so a value is searched line by line like GitLab does.
 */
const RUBY_SYNTAX = /(?<![^\n])\/([^\n]*)\/([ismU]*)(?![^\n])/;

export interface SlashPattern {
  readonly body: string;
  readonly flags: string;
}

/** GitLab first turns every `\/` into `/`, then reads `/body/flags`. */
export function splitSlashPattern(text: string): SlashPattern | undefined {
  const m = RUBY_SYNTAX.exec(text.replaceAll('\\/', '/'));
  return m === null ? undefined : { body: m[1]!, flags: m[2]! };
}

export function compileSlashPattern(pattern: SlashPattern): Re2TranslateResult {
  return translateRe2(pattern.body, pattern.flags);
}
