/**
 * Building blocks for POSIX shell text that must mean the same in bash and busybox `sh`: no
 * `$'…'` quoting, no `echo -e`, only printf with fixed formats.
 */

/** Single-quotes a value for sh: safe for quotes, `$`, backslashes, newlines and unicode. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A line that prints `text` in GitLab's bold green (`ESC[32;1m … ESC[0;m`), e.g. `$ cmd`. */
export function notice(text: string): string {
  return `printf '\\033[32;1m%s\\033[0;m\\n' ${quote(text)}`;
}

/** A line that prints `text` as GitLab's yellow `WARNING:` line. */
export function warning(text: string): string {
  return `printf '\\033[0;33m%s\\033[0;m\\n' ${quote(`WARNING: ${text}`)}`;
}
