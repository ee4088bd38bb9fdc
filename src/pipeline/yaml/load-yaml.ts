import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import type { PipelineProblem } from '../errors.js';
import { PositionTable, type ValuePosition } from './position-table.js';
import { yamlErrorOffset } from './yaml-error-offset.js';
import {
  ReferenceTag,
  hasKey,
  isYamlMap,
  setKey,
  type YamlMap,
  type YamlValue,
} from './yaml-value.js';

export interface LoadedYaml {
  /** Undefined when the text is empty or not YAML at all. */
  readonly value: YamlValue | undefined;
  readonly positions: PositionTable;
  readonly errors: PipelineProblem[];
  readonly warnings: PipelineProblem[];
}

/** Alias expansion budget: GitLab refuses "billion laughs" documents, so do we. */
const MAX_NODES = 200_000;
const MAX_DEPTH = 150;

class Converter {
  private nodes = 0;
  private tooLarge = false;

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly positions: PositionTable,
    private readonly errors: PipelineProblem[],
    private readonly warnings: PipelineProblem[],
  ) {}

  position(offset: number, quoted = false): ValuePosition {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.positions.file, line, column: col, contentColumn: quoted ? col + 1 : col };
  }

  private problem(
    into: PipelineProblem[],
    node: YamlNode | null,
    path: readonly string[],
    message: string,
  ): void {
    const at = this.position(node?.range?.[0] ?? 0);
    into.push({
      file: at.file,
      line: at.line,
      column: at.column,
      keyPath: path.join(':'),
      message,
    });
  }

  convert(node: unknown, path: string[], depth: number): YamlValue {
    if (this.tooLarge) return null;
    this.nodes++;
    if (this.nodes > MAX_NODES || depth > MAX_DEPTH) {
      this.tooLarge = true;
      this.problem(
        this.errors,
        node as YamlNode,
        path,
        'the YAML is too large or too deeply nested once its aliases are expanded',
      );
      return null;
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      return target === undefined ? null : this.convert(target, path, depth + 1);
    }
    if (isScalar(node)) return this.scalar(node, path);
    if (isSeq(node)) {
      const items = node.items.map((item, i) => {
        const itemPath = [...path, String(i)];
        this.record(itemPath, item);
        return this.convert(item, itemPath, depth + 1);
      });
      if (node.tag === '!reference') return this.reference(node, items, path);
      return items;
    }
    if (isMap(node)) return this.map(node, path, depth);
    return null;
  }

  record(path: readonly string[], node: unknown): void {
    const range = (node as YamlNode | null)?.range;
    if (range === undefined || range === null) return;
    const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
    this.positions.set(path, this.position(range[0], quoted));
  }

  private scalar(node: Scalar, path: string[]): YamlValue {
    const value: unknown = node.value;
    if (node.tag !== undefined && node.tag.startsWith('!') && !node.tag.startsWith('!!')) {
      this.problem(this.warnings, node, path, `unknown YAML tag ${node.tag} is ignored`);
    }
    if (value === null || value === undefined) return null;
    // The yaml package's 1.1 schema reads y/n as booleans; Ruby's Psych (GitLab) keeps them text.
    if (typeof value === 'boolean')
      return /^[yYnN]$/.test(node.source ?? '') ? (node.source ?? '') : value;
    if (typeof value === 'string') return value;
    if (typeof value === 'number')
      return Number.isFinite(value) ? value : (node.source ?? String(value));
    if (typeof value === 'bigint') return value.toString();
    // Timestamps and other typed scalars: keep the text the user wrote.
    return node.source ?? null;
  }

  private reference(node: YamlNode, items: YamlValue[], path: string[]): YamlValue {
    if (items.length === 0 || !items.every((item): item is string => typeof item === 'string')) {
      this.problem(
        this.errors,
        node,
        path,
        '!reference takes a list of keys, e.g. !reference [.setup, script]',
      );
      return null;
    }
    return new ReferenceTag(items);
  }

  private map(node: YAMLMap, path: string[], depth: number): YamlValue {
    if (node.tag !== undefined && node.tag.startsWith('!') && !node.tag.startsWith('!!')) {
      this.problem(this.warnings, node, path, `unknown YAML tag ${node.tag} is ignored`);
    }
    const result: YamlMap = {};
    const merges: unknown[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol' && keyNode.source === '<<') {
        merges.push(pair.value);
        continue;
      }
      const key = this.keyText(keyNode, path);
      const childPath = [...path, key];
      // A later duplicate key wins, as in Ruby's YAML (Psych): GitLab does not reject duplicates.
      this.record(
        childPath,
        isScalar(pair.value) && pair.value.value !== null ? pair.value : keyNode,
      );
      setKey(result, key, this.convert(pair.value, childPath, depth + 1));
    }
    this.applyMerges(result, merges, path, depth);
    return result;
  }

  private keyText(keyNode: unknown, path: string[]): string {
    if (isScalar(keyNode)) {
      const value: unknown = keyNode.value;
      if (value === null || value === undefined) return '';
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean')
        return keyNode.source ?? String(value);
      return keyNode.source ?? '';
    }
    this.problem(
      this.errors,
      keyNode as YamlNode,
      path,
      'a mapping key must be a plain value, not a list or a hash',
    );
    return '';
  }

  /** YAML 1.1 merge keys: explicit keys win; among merged maps, the first one listed wins. */
  private applyMerges(result: YamlMap, merges: unknown[], path: string[], depth: number): void {
    for (const merge of merges) {
      const sources = isSeq(merge) ? merge.items : [merge];
      for (const source of sources) {
        const value = this.convert(source, path, depth + 1);
        if (!isYamlMap(value)) {
          this.problem(
            this.errors,
            source as YamlNode,
            path,
            'a merge key (<<) takes a hash or a list of hashes',
          );
          continue;
        }
        for (const [key, item] of Object.entries(value)) {
          if (!hasKey(result, key)) setKey(result, key, item);
        }
      }
    }
  }
}

/** YAML text → plain values with positions. GitLab reads YAML 1.1 (Ruby's Psych), so do we. */
export function loadYaml(file: string, text: string): LoadedYaml {
  const lines = new LineCounter();
  const positions = new PositionTable(file);
  const errors: PipelineProblem[] = [];
  const warnings: PipelineProblem[] = [];
  let doc: Document;
  try {
    doc = parseDocument(text, {
      version: '1.1',
      lineCounter: lines,
      uniqueKeys: false,
      prettyErrors: false,
      strict: false,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    errors.push({ file, line: 1, column: 1, keyPath: '', message: `invalid YAML: ${message}` });
    return { value: undefined, positions, errors, warnings };
  }
  for (const error of doc.errors) {
    // prettyErrors is off (its message repeats the source), so the position is an offset.
    const at = lines.linePos(yamlErrorOffset(text, error.pos[0], error.message));
    errors.push({
      file,
      line: at.line,
      column: at.col,
      keyPath: '',
      message: `invalid YAML: ${firstLine(error.message)}`,
    });
  }
  if (errors.length > 0) return { value: undefined, positions, errors, warnings };
  const converter = new Converter(doc, lines, positions, errors, warnings);
  const value = doc.contents === null ? undefined : converter.convert(doc.contents, [], 0);
  return { value, positions, errors, warnings };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
