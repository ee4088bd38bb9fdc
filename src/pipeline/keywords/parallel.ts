import { describeType, getKey, isYamlMap, type YamlValue } from '../yaml/yaml-value.js';
import { checkKeys, type KeywordContext } from './keyword-context.js';

/** GitLab's limit on jobs made from one `parallel` keyword. */
export const MAX_PARALLEL = 200;

export type ParallelConfig =
  | { readonly kind: 'number'; readonly total: number }
  | { readonly kind: 'matrix'; readonly rows: readonly Readonly<Record<string, string>>[] };

function scalar(value: YamlValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * `parallel:matrix` rows → one variable set per job. Within a row every key's values are
 * combined, the first key varying slowest (Ruby's Array#product, as GitLab's MatrixStrategy).
 */
export function expandMatrixRows(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): Record<string, string>[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    ctx.error(
      rel,
      `parallel:matrix config should be an array of hashes, not ${describeType(value)}`,
    );
    return undefined;
  }
  const out: Record<string, string>[] = [];
  for (const [i, row] of value.entries()) {
    const rowRel = [...rel, String(i)];
    if (!isYamlMap(row) || Object.keys(row).length === 0) {
      ctx.error(
        rowRel,
        'parallel:matrix row should be a hash of variable names to values or arrays of values',
      );
      return undefined;
    }
    let combos: Record<string, string>[] = [{}];
    for (const [key, raw] of Object.entries(row)) {
      const list = (Array.isArray(raw) ? raw : [raw]).map(scalar);
      if (list.length === 0 || list.some((item) => item === undefined)) {
        ctx.error(
          [...rowRel, key],
          `parallel:matrix variable ${key} should be a string, a number or an array of them`,
        );
        return undefined;
      }
      const values = list.filter((item): item is string => item !== undefined);
      combos = combos.flatMap((combo) => values.map((item) => ({ ...combo, [key]: item })));
      if (combos.length > MAX_PARALLEL) break;
    }
    out.push(...combos);
  }
  return out;
}

export function normaliseParallel(
  value: YamlValue | undefined,
  ctx: KeywordContext,
): ParallelConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > MAX_PARALLEL) {
      ctx.error(['parallel'], `parallel config should be an integer from 1 to ${MAX_PARALLEL}`);
      return undefined;
    }
    return { kind: 'number', total: value };
  }
  if (!isYamlMap(value)) {
    ctx.error(
      ['parallel'],
      `parallel config should be an integer or a hash with matrix, not ${describeType(value)}`,
    );
    return undefined;
  }
  if (!checkKeys(value, ['matrix'], ctx, ['parallel'])) return undefined;
  const rows = expandMatrixRows(getKey(value, 'matrix'), ctx, ['parallel', 'matrix']);
  if (rows === undefined) return undefined;
  if (rows.length > MAX_PARALLEL) {
    ctx.error(
      ['parallel', 'matrix'],
      `parallel:matrix config generates too many jobs (maximum is ${MAX_PARALLEL})`,
    );
    return undefined;
  }
  return { kind: 'matrix', rows };
}
