import { type CodePointRange, perlClass } from './re2-charclass.js';

/**
 * Low-level reading of an RE2 pattern for re2-translate.ts: the position, errors, and the
 * escapes that mean the same inside and outside brackets.
 */

export class TranslateFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly re2Rejects = true,
  ) {
    super(message);
  }
}

export type EscapeResult =
  | { kind: 'char'; cp: number }
  | { kind: 'class'; ranges: readonly CodePointRange[]; unicode: readonly string[] };

export class Re2Cursor {
  pos = 0;

  constructor(protected readonly src: string) {}

  fail(message: string, offset = this.pos, re2Rejects = true): never {
    throw new TranslateFailure(message, offset, re2Rejects);
  }

  peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  startsWith(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  /** Reads one code point (not one UTF-16 unit) and advances past it. */
  next(): number {
    const cp = this.src.codePointAt(this.pos);
    if (cp === undefined) this.fail('pattern ends unexpectedly');
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** An escape valid both inside and outside brackets. `pos` is at the backslash. */
  escape(inClass: boolean): EscapeResult {
    const start = this.pos;
    this.pos++;
    if (this.pos >= this.src.length) this.fail('trailing backslash at end of pattern', start);
    const ch = this.peek();
    const simple: Readonly<Record<string, number>> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (Object.hasOwn(simple, ch)) {
      this.pos++;
      return { kind: 'char', cp: simple[ch]! };
    }
    if (ch >= '0' && ch <= '9') return { kind: 'char', cp: this.octal(start) };
    if (ch === 'x') return { kind: 'char', cp: this.hex(start) };
    const perl = perlClass(ch);
    if (perl !== undefined) {
      this.pos++;
      return { kind: 'class', ranges: perl, unicode: [] };
    }
    if (ch === 'p' || ch === 'P')
      return { kind: 'class', ranges: [], unicode: [this.unicodeClass(start)] };
    const cp = this.src.codePointAt(this.pos)!;
    if (cp < 0x80 && !/[A-Za-z0-9]/.test(ch)) {
      this.pos++;
      return { kind: 'char', cp }; // RE2: any escaped ASCII punctuation is itself.
    }
    const named: Readonly<Record<string, string>> = {
      Z: '\\Z is not supported by RE2 (use \\z)',
      C: '\\C (any byte) cannot be reproduced in JavaScript',
      k: 'named backreference \\k is not supported by RE2',
      g: 'backreference \\g is not supported by RE2',
      b: 'backspace escape \\b is not supported inside a character class by RE2',
      Q: '\\Q…\\E is not supported inside a character class by RE2',
    };
    const reason = Object.hasOwn(named, ch) ? named[ch]! : `invalid escape sequence \\${ch}`;
    this.fail(
      reason + (inClass && ch !== 'b' && ch !== 'Q' ? ' (inside [...])' : ''),
      start,
      ch !== 'C',
    );
  }

  /** RE2: `\0` plus up to two octal digits, or `\1`–`\7` followed by an octal digit. */
  octal(start: number): number {
    const first = this.peek();
    const second = this.peek(1);
    if (first !== '0' && (first > '7' || second < '0' || second > '7')) {
      this.fail(`backreference \\${first} is not supported by RE2`, start);
    }
    let code = 0;
    for (let n = 0; n < 3 && this.peek() >= '0' && this.peek() <= '7'; n++) {
      code = code * 8 + Number(this.peek());
      this.pos++;
    }
    return code;
  }

  hex(start: number): number {
    this.pos++; // x
    const m = this.startsWith('{')
      ? /^\{([0-9A-Fa-f]+)\}/.exec(this.src.slice(this.pos))
      : /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.pos));
    const digits = m === null ? undefined : (m[1] ?? m[0]);
    const cp = digits === undefined ? NaN : parseInt(digits, 16);
    if (m === null || !(cp <= 0x10ffff)) this.fail('invalid hexadecimal escape', start);
    this.pos += m[0].length;
    return cp;
  }

  unicodeClass(start: number): string {
    const negatedByCase = this.peek() === 'P';
    this.pos++;
    let name: string;
    if (this.startsWith('{')) {
      const close = this.src.indexOf('}', this.pos);
      if (close < 0) this.fail('missing closing } in Unicode class', start);
      name = this.src.slice(this.pos + 1, close);
      this.pos = close + 1;
    } else {
      name = String.fromCodePoint(this.next());
    }
    let negated = negatedByCase;
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    // RE2 names a script directly (`\p{Greek}`); JavaScript needs `Script=` for scripts.
    const isCategory = /^(Any|[CLMNPSZ][a-z]?)$/.test(name);
    const js = `\\${negated ? 'P' : 'p'}{${isCategory ? name : `Script=${name}`}}`;
    try {
      new RegExp(js, 'u');
    } catch {
      this.fail(`invalid Unicode class \\p{${name}}`, start);
    }
    return js;
  }
}
