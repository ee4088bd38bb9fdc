import {
  getStaticTOMLValue,
  parseTOML,
  ParseError,
  type AST,
  type TOMLVersionOption,
} from 'toml-eslint-parser';
import type { KeyPath } from './problems.js';

/** A position in the file, both 1-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** How a scalar was written, which the plain value loses (`1.0` and `1` are both the number 1). */
export type ScalarKind = 'string' | 'integer' | 'float' | 'boolean' | 'datetime';

interface Located {
  readonly position: Position;
  readonly kind: ScalarKind | 'array' | 'table';
}

/** The parsed document: plain values plus where each key, table and array element was written. */
export interface TomlSource {
  readonly root: Record<string, unknown>;
  /** Position of the key (or table header, or array element); falls back to the nearest parent. */
  position(path: KeyPath): Position;
  /** How the value at `path` was written, when known. */
  kind(path: KeyPath): Located['kind'] | undefined;
}

export type TomlParseResult =
  | { readonly ok: true; readonly source: TomlSource }
  | { readonly ok: false; readonly message: string; readonly position: Position };

// GitLab Runner reads TOML 1.0 (BurntSushi/toml); 1.1 additions such as newlines in inline
// tables would be accepted here but rejected there, so pin the version.
const TOML_VERSION: TOMLVersionOption = '1.0';

const FILE_START: Position = { line: 1, column: 1 };

function startOf(node: AST.HasLocs): Position {
  return { line: node.loc.start.line, column: node.loc.start.column + 1 };
}

function scalarKind(node: AST.TOMLValue): ScalarKind {
  const kind = node.kind;
  return kind === 'string' || kind === 'integer' || kind === 'float' || kind === 'boolean'
    ? kind
    : 'datetime';
}

class LocationIndex {
  private readonly entries = new Map<string, Located>();

  record(path: KeyPath, position: Position, kind: Located['kind']): void {
    const id = JSON.stringify(path);
    // The first mention wins: that is where a table was opened.
    if (!this.entries.has(id)) this.entries.set(id, { position, kind });
  }

  get(path: KeyPath): Located | undefined {
    return this.entries.get(JSON.stringify(path));
  }

  recordContent(path: KeyPath, position: Position, node: AST.TOMLContentNode): void {
    if (node.type === 'TOMLValue') {
      this.record(path, position, scalarKind(node));
    } else if (node.type === 'TOMLArray') {
      this.record(path, position, 'array');
      node.elements.forEach((element, i) => {
        this.recordContent([...path, i], startOf(element), element);
      });
    } else {
      this.record(path, position, 'table');
      for (const kv of node.body) this.recordKeyValue(path, kv);
    }
  }

  recordKeyValue(base: KeyPath, kv: AST.TOMLKeyValue): void {
    const keys = getStaticTOMLValue(kv.key);
    const at = startOf(kv.key);
    // Dotted keys (`a.b = 1`) open implicit tables at the key's position.
    for (let i = 1; i < keys.length; i += 1)
      this.record([...base, ...keys.slice(0, i)], at, 'table');
    this.recordContent([...base, ...keys], at, kv.value);
  }

  recordTable(table: AST.TOMLTable): void {
    const at = startOf(table);
    const path = table.resolvedKey;
    for (let i = 1; i < path.length; i += 1) {
      const next = path[i];
      this.record(path.slice(0, i), at, typeof next === 'number' ? 'array' : 'table');
    }
    this.record(path, at, 'table');
    for (const kv of table.body) this.recordKeyValue(path, kv);
  }
}

function toSource(ast: AST.TOMLProgram, index: LocationIndex): TomlSource {
  const root = getStaticTOMLValue(ast) as Record<string, unknown>;
  return {
    root,
    position(path) {
      for (let n = path.length; n > 0; n -= 1) {
        const found = index.get(path.slice(0, n));
        if (found !== undefined) return found.position;
      }
      return FILE_START;
    },
    kind: (path) => index.get(path)?.kind,
  };
}

/** Parses TOML text. Syntax errors come back as a value with their position, never thrown. */
export function parseTomlSource(text: string): TomlParseResult {
  let ast: AST.TOMLProgram;
  try {
    ast = parseTOML(text, { tomlVersion: TOML_VERSION });
  } catch (error) {
    if (error instanceof ParseError) {
      return {
        ok: false,
        message: error.message,
        position: { line: error.lineNumber, column: error.column + 1 },
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message, position: FILE_START };
  }
  const index = new LocationIndex();
  const top = ast.body[0];
  for (const item of top.body) {
    if (item.type === 'TOMLKeyValue') index.recordKeyValue([], item);
    else index.recordTable(item);
  }
  return { ok: true, source: toSource(ast, index) };
}
