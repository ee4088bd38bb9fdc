import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASKED, StreamMasker } from './masker.js';

function streamed(masker: StreamMasker, chunks: readonly string[]): string {
  return chunks.map((c) => masker.push(c)).join('') + masker.flush();
}

describe('StreamMasker', () => {
  it('masks every occurrence of a secret', () => {
    const m = new StreamMasker({ secrets: ['s3cr3t-value'] });
    expect(m.mask('a s3cr3t-value b s3cr3t-value')).toBe(`a ${MASKED} b ${MASKED}`);
  });

  it('masks a secret split across chunks, at every split point', () => {
    const secret = 'Sup3rS3cret_';
    const text = `before ${secret} after`;
    for (let i = 0; i <= text.length; i += 1) {
      for (let j = i; j <= text.length; j += 1) {
        const m = new StreamMasker({ secrets: [secret] });
        const chunks = [text.slice(0, i), text.slice(i, j), text.slice(j)];
        const out = chunks.map((c) => m.push(c));
        expect(out.join('') + m.flush()).toBe(`before ${MASKED} after`);
        for (const piece of out) expect(piece).not.toContain('Sup3rS3');
      }
    }
  });

  it('delivers text without a possible secret start immediately', () => {
    const m = new StreamMasker({ secrets: ['topsecret'] });
    expect(m.push('hello world\n')).toBe('hello world\n');
    expect(m.push('almost top')).toBe('almost ');
    expect(m.push('ic\n')).toBe('topic\n');
  });

  it('prefers the longest secret where several start at one place', () => {
    const m = new StreamMasker({ secrets: ['abcdef12', 'abcdef1234'] });
    expect(streamed(m, ['x abcdef', '1234 y'])).toBe(`x ${MASKED} y`);
  });

  it('masks GitLab token prefixes, keeping the prefix, also split across chunks', () => {
    const m = new StreamMasker({ secrets: [] });
    expect(streamed(m, ['token: glp', 'at-abcDEF123_', '456 end'])).toBe(
      `token: glpat-${MASKED} end`,
    );
    const n = new StreamMasker({ secrets: [] });
    expect(streamed(n, ['glrt-t1_abc\n', 'glcbt-64_x'])).toBe(`glrt-${MASKED}\nglcbt-${MASKED}`);
  });

  it('uses the prefixes given instead of the defaults', () => {
    const m = new StreamMasker({ secrets: [], tokenPrefixes: ['myco-'] });
    expect(streamed(m, ['glpat-abc myco-xyz'])).toBe(`glpat-abc myco-${MASKED}`);
  });

  it('masks overlapping secrets without leaking either', () => {
    const m = new StreamMasker({ secrets: ['aaa-bbb-1', 'bbb-1-ccc'] });
    const out = streamed(m, ['x aaa-bb', 'b-1-ccc y']);
    expect(out).not.toContain('aaa-bbb');
    expect(out).toContain(MASKED);
  });

  it('never lets a secret through, whatever the chunking (property)', () => {
    const secret = 'Pa55w0rd:xyz';
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }),
        (noise, cuts) => {
          const text = noise.join(secret);
          const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort(
            (a, b) => a - b,
          );
          const chunks: string[] = [];
          let last = 0;
          for (const p of points) {
            chunks.push(text.slice(last, p));
            last = p;
          }
          chunks.push(text.slice(last));
          const m = new StreamMasker({ secrets: [secret], tokenPrefixes: [] });
          const out = streamed(m, chunks);
          expect(out).not.toContain(secret);
          expect(out).toBe(m.mask(text));
        },
      ),
    );
  });
});
