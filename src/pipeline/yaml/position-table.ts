import type { SourcePosition } from '../errors.js';

/** A position plus the column where the text of a quoted scalar starts. */
export interface ValuePosition extends SourcePosition {
  readonly contentColumn: number;
}

const SEP = '\u0000';

export function pathKey(path: readonly string[]): string {
  return path.join(SEP);
}

/**
 * Where each key path of one file's value tree came from. Paths, not object identities, so the
 * positions survive the deep merges of includes and extends.
 */
export class PositionTable {
  private readonly entries = new Map<string, ValuePosition>();

  constructor(readonly file: string) {}

  set(path: readonly string[], position: ValuePosition): void {
    const key = pathKey(path);
    // The first writer wins: for merged (<<) content the explicit key is recorded first.
    if (!this.entries.has(key)) this.entries.set(key, position);
  }

  get(path: readonly string[]): ValuePosition | undefined {
    return this.entries.get(pathKey(path));
  }

  /** The deepest recorded prefix of `path`, with its length. */
  closest(path: readonly string[]): { position: ValuePosition; depth: number } | undefined {
    for (let depth = path.length; depth > 0; depth--) {
      const found = this.entries.get(pathKey(path.slice(0, depth)));
      if (found !== undefined) return { position: found, depth };
    }
    return undefined;
  }
}
