/**
 * ANSI styling in GitLab's job-log palette. Pure: whether colour is wanted is decided at the edge
 * (NO_COLOR, TTY) and passed in.
 */
export const ESC = '\x1b';
/** GitLab Runner resets with `ESC[0;m`, not `ESC[0m`; the job log keeps that form. */
export const RESET = `${ESC}[0;m`;

export type Tone = 'plain' | 'info' | 'notice' | 'warning' | 'error' | 'header' | 'dim';

const codes: Record<Exclude<Tone, 'plain'>, string> = {
  info: `${ESC}[32;1m`,
  notice: `${ESC}[32;1m`,
  warning: `${ESC}[0;33m`,
  error: `${ESC}[31;1m`,
  header: `${ESC}[36;1m`,
  dim: `${ESC}[2m`,
};

export function paint(tone: Tone, text: string, color: boolean): string {
  if (!color || tone === 'plain') return text;
  return `${codes[tone]}${text}${RESET}`;
}

const ansiPattern = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');

export function stripAnsi(text: string): string {
  return text.replace(ansiPattern, '');
}
