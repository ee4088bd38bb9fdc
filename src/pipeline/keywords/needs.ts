import type { Need } from '../model.js';
import { describeType, getKey, isYamlMap, type YamlValue } from '../yaml/yaml-value.js';
import {
  checkKeys,
  expectBoolean,
  expectMap,
  strictStringList,
  type KeywordContext,
} from './keyword-context.js';
import { expandMatrixRows } from './parallel.js';

/** GitLab's default limit (ci_max_needs). */
const MAX_NEEDS = 50;

function matrixOf(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): Need['matrix'] {
  if (value === undefined || value === null) return undefined;
  const parallel = expectMap(value, ctx, rel);
  if (parallel === undefined || !checkKeys(parallel, ['matrix'], ctx, rel)) return undefined;
  return expandMatrixRows(getKey(parallel, 'matrix'), ctx, [...rel, 'matrix']);
}

/** `needs`: job names or hashes {job, artifacts, optional, parallel:matrix}. */
export function normaliseNeeds(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): Need[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    ctx.error(
      rel,
      `needs config should be an array of strings or hashes, not ${describeType(value)}`,
    );
    return undefined;
  }
  const out: Need[] = [];
  value.forEach((item, i) => {
    const itemRel = [...rel, String(i)];
    if (typeof item === 'string') {
      out.push({ job: item, artifacts: true, optional: false });
      return;
    }
    if (!isYamlMap(item)) {
      ctx.error(itemRel, `needs config should be a string or a hash, not ${describeType(item)}`);
      return;
    }
    if (getKey(item, 'pipeline') !== undefined || getKey(item, 'project') !== undefined) {
      ctx.error(
        itemRel,
        'needs:project and needs:pipeline (cross-pipeline needs) are not supported yet',
      );
      return;
    }
    if (!checkKeys(item, ['job', 'artifacts', 'optional', 'parallel'], ctx, itemRel)) return;
    const job = getKey(item, 'job');
    if (typeof job !== 'string' || job === '') {
      ctx.error([...itemRel, 'job'], 'needs config should name a job (job: <name>)');
      return;
    }
    const matrix = matrixOf(getKey(item, 'parallel'), ctx, [...itemRel, 'parallel']);
    out.push({
      job,
      artifacts: expectBoolean(getKey(item, 'artifacts'), ctx, [...itemRel, 'artifacts']) ?? true,
      optional: expectBoolean(getKey(item, 'optional'), ctx, [...itemRel, 'optional']) ?? false,
      ...(matrix === undefined ? {} : { matrix }),
    });
  });
  if (out.length > MAX_NEEDS) ctx.error(rel, `needs config can have at most ${MAX_NEEDS} entries`);
  return out;
}

export function normaliseDependencies(
  value: YamlValue | undefined,
  ctx: KeywordContext,
): string[] | undefined {
  return strictStringList(value, ctx, ['dependencies']);
}
