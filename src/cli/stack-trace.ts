import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A frame's location: `file:///…/chunk-X.js:12:34` (with or without the parentheses around). */
const FRAME = /(file:\/\/[^\s()]+?\.js):(\d+):(\d+)/g;

/** The source map next to a compiled file (`<file>.map`), or undefined. */
export type MapReader = (file: string) => SourceMapPayload | undefined;

const readMapFile: MapReader = (file) => {
  try {
    return JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload;
  } catch {
    return undefined;
  }
};

/**
 * A stack trace with each frame in the bundle (dist/bundle/, scripts/bundle.js) mapped to its
 * source, `src/…/file.ts:line:column`, through the chunk's source map. Done only when an
 * internal error is reported: Node's own mapping (--enable-source-maps) would read the maps of
 * every chunk on every run. Frames without a map are left as they are.
 */
export function mapStack(stack: string, readMap: MapReader = readMapFile): string {
  const maps = new Map<string, SourceMap | undefined>();
  return stack.replace(FRAME, (frame, url: string, line: string, column: string) => {
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch {
      return frame;
    }
    if (!maps.has(file)) {
      const payload = readMap(file);
      maps.set(file, payload === undefined ? undefined : new SourceMap(payload));
    }
    const entry = maps.get(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (entry === undefined || !('originalSource' in entry)) return frame;
    const source = resolve(dirname(file), entry.originalSource);
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
