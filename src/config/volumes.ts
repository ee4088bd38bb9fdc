import type { VolumeSpec } from './types.js';

export type VolumeParse =
  | { readonly ok: true; readonly spec: VolumeSpec }
  | { readonly ok: false; readonly reason: string };

/** Mount options Docker accepts after the second colon, comma-separated. */
const MODES = new Set([
  'ro',
  'rw',
  'z',
  'Z',
  'nocopy',
  'shared',
  'rshared',
  'slave',
  'rslave',
  'private',
  'rprivate',
  'consistent',
  'cached',
  'delegated',
]);

const bad = (reason: string): VolumeParse => ({ ok: false, reason });

function checkTarget(target: string): string | undefined {
  if (!target.startsWith('/')) return `the container path "${target}" must be absolute`;
  if (target === '/') return 'the container path cannot be "/"';
  return undefined;
}

function checkMode(mode: string): string | undefined {
  const unknown = mode.split(',').filter((option) => !MODES.has(option));
  if (unknown.length > 0) return `unknown mount mode "${unknown.join(',')}" (use ro or rw)`;
  const options = mode.split(',');
  if (options.includes('ro') && options.includes('rw')) return 'the mode has both ro and rw';
  return undefined;
}

/**
 * Reads a `[runners.docker] volumes` entry the way Docker's `-v` does on Linux: "/path" is a
 * cache volume, "source:/path" and "source:/path:mode" are bind mounts (source may be a host path
 * or a named volume).
 */
export function parseVolume(raw: string): VolumeParse {
  const text = raw.trim();
  if (text === '') return bad('the entry is empty');
  const parts = text.split(':');
  if (parts.length > 3) return bad('it has more than two ":"');
  const [first = '', second, third] = parts;
  if (second === undefined) {
    const problem = checkTarget(first);
    if (problem !== undefined) return bad(problem);
    return {
      ok: true,
      spec: {
        raw,
        kind: 'cache',
        source: undefined,
        target: first,
        readOnly: false,
        mode: undefined,
      },
    };
  }
  if (first === '') return bad('the host path before ":" is empty');
  const problem = checkTarget(second) ?? (third === undefined ? undefined : checkMode(third));
  if (problem !== undefined) return bad(problem);
  return {
    ok: true,
    spec: {
      raw,
      kind: 'bind',
      source: first,
      target: second,
      readOnly: third?.split(',').includes('ro') ?? false,
      mode: third,
    },
  };
}
