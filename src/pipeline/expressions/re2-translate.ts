import {
  type CodePointRange,
  caseVariants,
  complement,
  escapeCodePoint,
  foldRanges,
  normalize,
  posixClass,
  rangesToClassBody,
} from './re2-charclass.js';
import { type EscapeResult, Re2Cursor, TranslateFailure } from './re2-cursor.js';

/**
 * Translates an RE2 pattern (what GitLab evaluates `=~` with) into a JavaScript RegExp that
 * finds a match in exactly the same strings, or says precisely why it cannot.
 *
 * Why a translator and not `new RegExp(source)`: the two dialects share syntax but not meaning.
 * `\s` and `.` cover different characters, `\1` is a backreference in JavaScript but an error in
 * RE2, `(?i)` is an error in JavaScript, `[[:alpha:]]` means something else, and `(?=` is
 * accepted by JavaScript but rejected by RE2 (so GitLab rejects the pipeline). Every construct
 * is therefore parsed and re-emitted explicitly.
 *
 * Decisions:
 * - The `u` flag is always set. RE2 matches code points (UTF-8), so `.` and classes must see
 *   an emoji as one character; `u` also gives `i` Unicode simple case folding like RE2, and makes
 *   JavaScript reject any escape we might emit by mistake instead of treating it as a literal.
 * - Only match *existence* is observed (`=~` / `!~`), so greediness does not matter: the RE2
 *   `U` flag and lazy quantifiers are accepted and emitted as written.
 * - Capturing groups become non-capturing: nothing reads captures and backreferences are
 *   rejected, so this is invisible, and it sidesteps JavaScript's stricter group-name rules.
 * - `m` and `s` are emulated per scope (`^` → `(?<![^\n])`, `.` → `[^\n]` or `[^]`) because
 *   RE2 only treats `\n` as a line break while JavaScript also breaks lines at `\r`, U+2028, U+2029.
 * - `i` maps to the JavaScript flag when it covers every case-sensitive atom; when it is scoped
 *   to part of the pattern (Node 20 has no `(?i:…)`), literals and classes are case-expanded.
 *
 * Known limit: JavaScript backtracks, RE2 does not, so a pathological pattern such as `(a+)+$`
 * can be slow here on long values where RE2 stays linear.
 */

export interface Re2TranslateError {
  readonly message: string;
  /** Offset in the pattern (UTF-16 index) where the problem starts. */
  readonly offset: number;
  /**
   * true: RE2 itself rejects the pattern, so GitLab does too. false: RE2 accepts it but
   * dockhand cannot reproduce it faithfully in JavaScript.
   */
  readonly re2Rejects: boolean;
}

export type Re2TranslateResult =
  | { readonly ok: true; readonly regex: RegExp }
  | { readonly ok: false; readonly error: Re2TranslateError };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

type Mode = 'js-flag' | 'expand';

/** RE2's limits: `{n,m}` counts above 1000 and nesting deeper than 1000 are errors. */
const MAX_REPEAT = 1000;
const MAX_DEPTH = 1000;

const REPEAT = /\{(\d+)(,(\d*))?\}/y;

interface Item {
  readonly js: string;
  /** Zero-width: JavaScript (with `u`) refuses a quantifier on it unless wrapped in a group. */
  readonly assertion: boolean;
}

class Translator extends Re2Cursor {
  sawI = false;
  sawNoI = false;
  private readonly names = new Set<string>();

  constructor(
    src: string,
    private readonly mode: Mode,
  ) {
    super(src);
  }

  /** A whole alternation, up to (not including) the `)` that closes the current group. */
  alternation(flags: Flags, depth: number): string {
    if (depth > MAX_DEPTH) this.fail('pattern nests groups too deeply (RE2 allows 1000 levels)');
    const branches: string[] = [];
    let items: Item[] = [];
    let lastQuantified = false;
    while (this.pos < this.src.length && this.peek() !== ')') {
      if (this.peek() === '|') {
        this.pos++;
        branches.push(items.map((i) => i.js).join(''));
        items = [];
        lastQuantified = false;
        continue;
      }
      const quantifier = this.quantifier();
      if (quantifier !== undefined) {
        items.push(this.repeat(items.pop(), quantifier, lastQuantified));
        lastQuantified = true;
        continue;
      }
      const before = this.pos;
      const produced = this.atom(flags, depth);
      lastQuantified = false;
      items.push(
        ...(produced.length === 0 && this.pos > before ? [{ js: '', assertion: true }] : produced),
      );
    }
    branches.push(items.map((i) => i.js).join(''));
    return branches.join('|');
  }

  /** Applies a quantifier to the item before it, with RE2's errors for what cannot be repeated. */
  repeat(
    last: Item | undefined,
    quantifier: { text: string; start: number },
    lastQuantified: boolean,
  ): Item {
    // An empty item is a flag group such as `(?i)`: RE2 has nothing to repeat there either.
    if (last === undefined || last.js === '') {
      this.fail(`missing argument to repetition operator ${quantifier.text}`, quantifier.start);
    }
    if (lastQuantified) {
      this.fail(
        quantifier.text.startsWith('+')
          ? `possessive quantifier ${quantifier.text} is not supported by RE2`
          : `bad repetition operator ${quantifier.text} (a quantifier cannot follow another quantifier)`,
        quantifier.start,
      );
    }
    const base = last.assertion ? `(?:${last.js})` : last.js;
    return { js: base + quantifier.text, assertion: false };
  }

  /** Reads `*`, `+`, `?` or a valid `{n,m}` plus an optional lazy `?`, or returns undefined. */
  quantifier(): { text: string; start: number } | undefined {
    const start = this.pos;
    const ch = this.peek();
    let text: string;
    if (ch === '*' || ch === '+' || ch === '?') {
      this.pos++;
      text = ch;
    } else if (ch === '{') {
      REPEAT.lastIndex = this.pos;
      const m = REPEAT.exec(this.src);
      if (m === null) return undefined; // RE2 treats a `{` that is not a repeat as a literal.
      const min = Number(m[1]);
      const max = m[3] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && (max > MAX_REPEAT || max < min))) {
        this.fail(`bad repetition operator ${m[0]} (RE2 allows counts up to 1000, min ≤ max)`);
      }
      this.pos += m[0].length;
      text = m[0];
    } else {
      return undefined;
    }
    if (this.peek() === '?') {
      this.pos++;
      text += '?';
    }
    return { text, start };
  }

  atom(flags: Flags, depth: number): Item[] {
    const ch = this.peek();
    switch (ch) {
      case '(':
        return this.group(flags, depth);
      case '[':
        return [this.bracket(flags)];
      case '.':
        this.pos++;
        return [{ js: flags.s ? '[^]' : '[^\\u{a}]', assertion: false }];
      case '^':
        this.pos++;
        return [{ js: flags.m ? '(?<![^\\u{a}])' : '^', assertion: true }];
      case '$':
        this.pos++;
        return [{ js: flags.m ? '(?![^\\u{a}])' : '$', assertion: true }];
      case '\\':
        return this.escapeOutsideClass(flags);
      default:
        return [this.literal(this.next(), flags)];
    }
  }

  literal(cp: number, flags: Flags): Item {
    const variants = caseVariants(cp);
    if (variants.length > 1) this.noteCase(flags.i);
    if (this.mode === 'expand' && flags.i && variants.length > 1) {
      return { js: `[${rangesToClassBody(variants.map((v) => [v, v]))}]`, assertion: false };
    }
    return { js: escapeCodePoint(cp), assertion: false };
  }

  noteCase(insensitive: boolean): void {
    if (insensitive) this.sawI = true;
    else this.sawNoI = true;
  }

  classItem(
    ranges: readonly CodePointRange[],
    unicode: readonly string[],
    negated: boolean,
    flags: Flags,
    start: number,
  ): Item {
    const folded = foldRanges(ranges);
    const caseRelevant =
      unicode.length > 0 ||
      folded === undefined ||
      rangesToClassBody(folded) !== rangesToClassBody(ranges);
    if (caseRelevant) this.noteCase(flags.i);
    let body = rangesToClassBody(ranges);
    if (this.mode === 'expand' && flags.i && caseRelevant) {
      if (folded === undefined || unicode.length > 0) {
        this.fail(
          'a case-insensitive flag scoped to part of the pattern cannot be applied to this ' +
            'character class; put (?i) at the very start of the pattern instead',
          start,
          false,
        );
      }
      body = rangesToClassBody(folded);
    }
    return { js: `[${negated ? '^' : ''}${body}${unicode.join('')}]`, assertion: false };
  }

  group(flags: Flags, depth: number): Item[] {
    const start = this.pos;
    this.pos++; // (
    let inner: Flags = { ...flags };
    if (this.peek() === '?') {
      const special = this.groupPrefix(start);
      if (special.kind === 'flags-only') {
        Object.assign(flags, special.flags);
        return [];
      }
      if (special.kind === 'scoped-flags') inner = { ...flags, ...special.flags };
    }
    const body = this.alternation(inner, depth + 1);
    if (this.peek() !== ')') this.fail('missing closing ) for the group opened here', start);
    this.pos++;
    return [{ js: `(?:${body})`, assertion: false }];
  }

  /** Handles what follows `(?`: named groups, flags, and the Perl forms RE2 rejects. */
  groupPrefix(
    start: number,
  ):
    | { kind: 'capture' }
    | { kind: 'flags-only'; flags: Partial<Flags> }
    | { kind: 'scoped-flags'; flags: Partial<Flags> } {
    const rejected: readonly [string, string][] = [
      ['(?=', 'lookahead (?=…) is not supported by RE2'],
      ['(?!', 'negative lookahead (?!…) is not supported by RE2'],
      ['(?<=', 'lookbehind (?<=…) is not supported by RE2'],
      ['(?<!', 'negative lookbehind (?<!…) is not supported by RE2'],
      ['(?>', 'atomic group (?>…) is not supported by RE2'],
      ['(?P=', 'named backreference (?P=name) is not supported by RE2'],
      ['(?P>', 'recursion (?P>name) is not supported by RE2'],
      ['(?#', 'comment group (?#…) is not supported by RE2'],
      ['(?(', 'conditional group (?(…)…) is not supported by RE2'],
      ['(?|', 'branch reset group (?|…) is not supported by RE2'],
    ];
    this.pos = start;
    for (const [prefix, message] of rejected) {
      if (this.startsWith(prefix)) this.fail(message, start);
    }
    if (this.startsWith('(?P<') || this.startsWith('(?<')) {
      this.pos += this.startsWith('(?P<') ? 4 : 3;
      const close = this.src.indexOf('>', this.pos);
      const name = close < 0 ? '' : this.src.slice(this.pos, close);
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail('invalid named capture group', start);
      if (this.names.has(name)) this.fail(`duplicate capture group name ${name}`, start);
      this.names.add(name);
      this.pos = close + 1;
      return { kind: 'capture' };
    }
    this.pos += 2; // (?
    return this.flagGroup(start);
  }

  flagGroup(
    start: number,
  ):
    | { kind: 'flags-only'; flags: Partial<Flags> }
    | { kind: 'scoped-flags'; flags: Partial<Flags> } {
    const flags: Partial<Flags> = {};
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const ch = this.peek();
      if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'U') {
        // U (ungreedy) cannot change whether a match exists, so it is accepted and ignored.
        if (ch !== 'U') flags[ch] = !negate;
        sawFlag = true;
      } else if (ch === '-' && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((ch === ')' || ch === ':') && (sawFlag || (ch === ':' && !negate))) {
        // `(?:` is a plain group; `(?)`, `(?-)` and `(?i-:` are errors in RE2.
        this.pos++;
        return { kind: ch === ')' ? 'flags-only' : 'scoped-flags', flags };
      } else {
        this.fail('invalid or unsupported Perl syntax after (?', start);
      }
      this.pos++;
    }
  }

  escapeOutsideClass(flags: Flags): Item[] {
    const start = this.pos;
    const letter = this.peek(1);
    if (letter === 'Q') {
      this.pos += 2;
      const end = this.src.indexOf('\\E', this.pos);
      const stop = end < 0 ? this.src.length : end;
      const items: Item[] = [];
      while (this.pos < stop) items.push(this.literal(this.next(), flags));
      this.pos = end < 0 ? stop : stop + 2;
      return items;
    }
    const assertions: Readonly<Record<string, string>> = { A: '^', z: '$', b: '\\b', B: '\\B' };
    if (Object.hasOwn(assertions, letter)) {
      this.pos += 2;
      // The JavaScript `m` flag is never set, so `^`/`$` are always text start/end here.
      return [{ js: assertions[letter]!, assertion: true }];
    }
    const escaped = this.escape(false);
    if (escaped.kind === 'char') return [this.literal(escaped.cp, flags)];
    return [this.classItem(escaped.ranges, escaped.unicode, false, flags, start)];
  }

  bracket(flags: Flags): Item {
    const start = this.pos;
    this.pos++; // [
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    const ranges: CodePointRange[] = [];
    const unicode: string[] = [];
    let first = true;
    while (this.peek() !== ']' || first) {
      if (this.pos >= this.src.length) {
        this.fail('missing closing ] for the class opened here', start);
      }
      first = false;
      this.bracketItem(ranges, unicode);
    }
    this.pos++; // ]
    return this.classItem(normalize(ranges), unicode, negated, flags, start);
  }

  /** One POSIX class, escape, character or range inside brackets. */
  bracketItem(ranges: CodePointRange[], unicode: string[]): void {
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
    if (posix !== null) {
      const set = posixClass(posix[2]!);
      if (set === undefined) this.fail(`invalid POSIX class [:${posix[2]}:]`);
      ranges.push(...(posix[1] === '^' ? complement(set) : set));
      this.pos += posix[0].length;
      return;
    }
    const lo = this.classAtom();
    if (lo.kind === 'class') {
      ranges.push(...lo.ranges);
      unicode.push(...lo.unicode);
      return;
    }
    if (this.peek() === '-' && this.peek(1) !== ']' && this.pos + 1 < this.src.length) {
      const dash = this.pos;
      this.pos++;
      const hi = this.classAtom();
      if (hi.kind === 'class' || hi.cp < lo.cp) this.fail('invalid character class range', dash);
      ranges.push([lo.cp, hi.cp]);
    } else {
      ranges.push([lo.cp, lo.cp]);
    }
  }

  classAtom(): EscapeResult {
    if (this.peek() === '\\') return this.escape(true);
    return { kind: 'char', cp: this.next() };
  }
}

function run(
  body: string,
  initial: Flags,
  mode: Mode,
): { js: string; sawI: boolean; sawNoI: boolean } {
  const t = new Translator(body, mode);
  const js = t.alternation({ ...initial }, 0);
  if (t.pos < body.length) t.fail('unexpected ) without a matching (');
  return { js, sawI: t.sawI, sawNoI: t.sawNoI };
}

/**
 * @param body the pattern between the slashes (GitLab's `/body/flags`)
 * @param flags any of `i`, `m`, `s`, `U`; GitLab prepends them as `(?flags)`
 */
export function translateRe2(body: string, flags = ''): Re2TranslateResult {
  const initial: Flags = { i: flags.includes('i'), m: flags.includes('m'), s: flags.includes('s') };
  try {
    let result = run(body, initial, 'js-flag');
    let jsFlags = result.sawI ? 'iu' : 'u';
    if (result.sawI && result.sawNoI) {
      result = run(body, initial, 'expand');
      jsFlags = 'u';
    }
    return { ok: true, regex: new RegExp(result.js, jsFlags) };
  } catch (error) {
    if (error instanceof TranslateFailure) {
      return {
        ok: false,
        error: { message: error.message, offset: error.offset, re2Rejects: error.re2Rejects },
      };
    }
    // A JavaScript SyntaxError here is a translator bug; report it rather than match wrongly.
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: {
        message: `dockhand could not translate this pattern (${detail})`,
        offset: 0,
        re2Rejects: false,
      },
    };
  }
}
