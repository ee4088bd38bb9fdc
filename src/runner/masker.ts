/** What replaces a secret in the job log. */
export const MASKED = '[MASKED]';

/**
 * Token prefixes GitLab Runner masks by default (`FF_MASK_ALL_DEFAULT_TOKENS`,
 * shared/reference/gitlab-runner.md §3.1). The prefix is kept and the token body replaced:
 * `glpat-[MASKED]`.
 */
export const DEFAULT_TOKEN_PREFIXES: readonly string[] = [
  'glpat-',
  'glrt-',
  'glrtr-',
  'glcbt-',
  'gldt-',
  'glptt-',
  'glft-',
  'glimt-',
  'glagent-',
  'glsoat-',
  'glffct-',
  'gloas-',
  'gltok-',
  '_gitlab_session=',
];

/** Characters a token body is made of; a token ends at the first other character. */
const TOKEN_BODY = '[0-9A-Za-z_.-]';

/** A token still being written longer than this is masked and emitted anyway. */
const MAX_TOKEN_HOLD = 512;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface MaskerOptions {
  /** Literal values to replace by `[MASKED]` (masked variables, the job token). */
  readonly secrets: readonly string[];
  /** Token prefixes whose following token body is replaced. */
  readonly tokenPrefixes?: readonly string[];
}

/**
 * Streaming secret masker. Text goes in in arbitrary chunks; what comes out never contains a
 * secret, even when one is split across chunks: the tail of the input that could be the start
 * of a secret (or a token still being written) is held back until the next chunk or `flush`.
 */
export class StreamMasker {
  private readonly secrets: readonly string[];
  private readonly prefixes: readonly string[];
  private readonly pattern: RegExp | undefined;
  private readonly tokenTail: RegExp | undefined;
  /** First characters of the secrets: a tail can only start a secret at one of these. */
  private readonly starts: ReadonlySet<string>;
  private pending = '';

  constructor(options: MaskerOptions) {
    // Longest first, so that the longest secret wins where several start at the same place.
    this.secrets = [...new Set(options.secrets.filter((s) => s.length > 0))].sort(
      (a, b) => b.length - a.length,
    );
    this.starts = new Set(this.secrets.map((s) => s.charAt(0)));
    this.prefixes = [...new Set(options.tokenPrefixes ?? DEFAULT_TOKEN_PREFIXES)].filter(
      (p) => p.length > 0,
    );
    const alternatives = [
      ...this.secrets.map((s) => `(?:${escapeRegExp(s)})`),
      ...(this.prefixes.length > 0
        ? [`(?:${this.prefixes.map(escapeRegExp).join('|')})${TOKEN_BODY}+`]
        : []),
    ];
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : undefined;
    this.tokenTail =
      this.prefixes.length > 0
        ? new RegExp(`(?:${this.prefixes.map(escapeRegExp).join('|')})${TOKEN_BODY}*$`)
        : undefined;
  }

  /** Masks what can safely be emitted now; holds back a possible partial secret. */
  push(chunk: string): string {
    if (this.pattern === undefined) return chunk;
    const text = this.pending + chunk;
    const cut = this.safeCut(text);
    this.pending = text.slice(cut);
    return this.mask(text.slice(0, cut));
  }

  /** Emits (masked) whatever is held back. Call at the end of the stream. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return this.mask(rest);
  }

  /** Masks a complete text (no streaming). */
  mask(text: string): string {
    if (this.pattern === undefined || text === '') return text;
    return text.replace(this.pattern, (match) => {
      const prefix = this.prefixes.find((p) => match.startsWith(p));
      // A literal secret wins over a token-shaped match only when it is exactly the secret.
      if (prefix !== undefined && !this.secrets.includes(match)) return `${prefix}${MASKED}`;
      return MASKED;
    });
  }

  /**
   * Where to cut `text`: everything before may be emitted. The cut moves left over (1) a suffix
   * that is a proper prefix of a secret, (2) a token prefix (or part of one) with its body so far,
   * and (3) any complete match the cut would otherwise split.
   */
  private safeCut(text: string): number {
    let cut = text.length;
    const longest = this.secrets[0]?.length ?? 0;
    for (let start = Math.max(0, text.length - longest + 1); start < cut; start += 1) {
      if (!this.starts.has(text.charAt(start))) continue;
      const tail = text.slice(start);
      if (this.secrets.some((s) => s.length > tail.length && s.startsWith(tail))) {
        cut = start;
        break;
      }
    }
    cut = Math.min(cut, this.tokenCut(text));
    return this.avoidSplittingMatch(text, cut);
  }

  private tokenCut(text: string): number {
    if (this.tokenTail === undefined) return text.length;
    const window = Math.max(0, text.length - MAX_TOKEN_HOLD);
    const tail = this.tokenTail.exec(text.slice(window));
    if (tail !== null) return window + tail.index;
    const longestPrefix = Math.max(...this.prefixes.map((p) => p.length));
    for (
      let start = Math.max(0, text.length - longestPrefix + 1);
      start < text.length;
      start += 1
    ) {
      const rest = text.slice(start);
      if (this.prefixes.some((p) => p.startsWith(rest))) return start;
    }
    return text.length;
  }

  private avoidSplittingMatch(text: string, cut: number): number {
    if (this.pattern === undefined || cut === text.length) return cut;
    let result = cut;
    this.pattern.lastIndex = 0;
    for (let m = this.pattern.exec(text); m !== null; m = this.pattern.exec(text)) {
      const end = m.index + m[0].length;
      if (m.index < result && end > result) result = m.index;
      if (m.index >= result) break;
    }
    this.pattern.lastIndex = 0;
    return result;
  }
}
