import { describe, expect, it } from 'vitest';
import { VARIABLE_PRECEDENCE, type VariableSource, mergeVariables } from './merge.js';

describe('mergeVariables', () => {
  it('lets every source override all sources below it', () => {
    // Each source defines X; the highest one must win whatever the input order.
    for (let i = 0; i < VARIABLE_PRECEDENCE.length; i++) {
      const sources = VARIABLE_PRECEDENCE.slice(0, i + 1);
      const layers = [...sources].reverse().map((source: VariableSource) => ({
        source,
        variables: [{ key: 'X', value: source }],
      }));
      expect(mergeVariables(layers)).toEqual([
        expect.objectContaining({ key: 'X', value: VARIABLE_PRECEDENCE[i] }),
      ]);
    }
  });

  it.each<[VariableSource, VariableSource, string]>([
    ['predefined', 'yaml-global', 'yaml-global'],
    ['yaml-global', 'yaml-job', 'yaml-job'],
    ['yaml-job', 'dotenv', 'dotenv'],
    ['dotenv', 'instance', 'instance'],
    ['instance', 'group', 'group'],
    ['group', 'project', 'project'],
    ['project', 'pipeline', 'pipeline'],
    ['pipeline', 'predefined', 'pipeline'],
    ['deployment', 'predefined', 'deployment'],
  ])('%s vs %s → %s', (a, b, winner) => {
    const merged = mergeVariables([
      { source: a, variables: [{ key: 'K', value: a }] },
      { source: b, variables: [{ key: 'K', value: b }] },
    ]);
    expect(merged.map((m) => m.value)).toEqual([winner]);
  });

  it('sets public by source and carries masked, file and raw', () => {
    const merged = mergeVariables([
      { source: 'predefined', variables: [{ key: 'CI', value: 'true' }] },
      { source: 'yaml-global', variables: [{ key: 'G', value: 'g', raw: true }] },
      { source: 'yaml-job', variables: [{ key: 'J', value: 'j' }] },
      { source: 'project', variables: [{ key: 'TOKEN', value: 's3cr3t-value', masked: true }] },
      { source: 'group', variables: [{ key: 'KUBE', value: 'cfg', file: true }] },
      { source: 'pipeline', variables: [{ key: 'CLI', value: 'c' }] },
      { source: 'dotenv', variables: [{ key: 'DOT', value: 'd' }] },
    ]);
    const byKey = Object.fromEntries(merged.map((m) => [m.key, m]));
    expect(byKey['CI']).toEqual({
      key: 'CI',
      value: 'true',
      public: true,
      masked: false,
      file: false,
      raw: false,
    });
    expect(byKey['G']).toMatchObject({ public: true, raw: true });
    expect(byKey['J']).toMatchObject({ public: true });
    expect(byKey['TOKEN']).toMatchObject({ public: false, masked: true });
    expect(byKey['KUBE']).toMatchObject({ public: false, file: true });
    expect(byKey['CLI']).toMatchObject({ public: false });
    expect(byKey['DOT']).toMatchObject({ public: false });
  });

  it('takes the winner’s flags, not the overridden entry’s', () => {
    const merged = mergeVariables([
      { source: 'project', variables: [{ key: 'K', value: 'secret-value', masked: true }] },
      { source: 'yaml-job', variables: [{ key: 'K', value: 'yaml' }] },
      { source: 'pipeline', variables: [{ key: 'K', value: 'cli' }] },
    ]);
    expect(merged).toEqual([
      { key: 'K', value: 'cli', public: false, masked: false, file: false, raw: false },
    ]);
  });

  it('keeps layer order within a source (closest group last) and last entry within a layer', () => {
    const merged = mergeVariables([
      { source: 'group', variables: [{ key: 'G', value: 'top' }] },
      { source: 'group', variables: [{ key: 'G', value: 'subgroup' }] },
      {
        source: 'yaml-job',
        variables: [
          { key: 'Y', value: '1' },
          { key: 'Y', value: '2' },
        ],
      },
    ]);
    expect(merged.map((m) => `${m.key}=${m.value}`)).toEqual(['Y=2', 'G=subgroup']);
  });

  it('honours an explicit public flag', () => {
    const [pw] = mergeVariables([
      {
        source: 'predefined',
        variables: [{ key: 'CI_REGISTRY_PASSWORD', value: 'x', public: false, masked: true }],
      },
    ]);
    expect(pw).toMatchObject({ public: false, masked: true });
  });

  it('orders the result by the winner’s precedence', () => {
    const merged = mergeVariables([
      {
        source: 'predefined',
        variables: [
          { key: 'A', value: 'p' },
          { key: 'B', value: 'p' },
        ],
      },
      { source: 'yaml-job', variables: [{ key: 'A', value: 'y' }] },
    ]);
    expect(merged.map((m) => m.key)).toEqual(['B', 'A']);
  });
});
