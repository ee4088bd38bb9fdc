/**
 * A job trace as HTML, the way GitLab's job page shows it: ANSI SGR colours become spans with
 * classes, `section_start`/`section_end` markers become collapsible `<details>`, every other
 * escape sequence is dropped, and all text is HTML-escaped. Incremental: bytes go in as the
 * runner sends them and only complete lines come out, so the live page (SSE) and the static page
 * render a trace identically. Pure.
 */
import { escapeHtml } from './html.js';

export type LogOp =
  | { readonly op: 'line'; readonly html: string }
  | {
      readonly op: 'open';
      readonly name: string;
      readonly header: string;
      readonly collapsed: boolean;
    }
  | { readonly op: 'close'; readonly name: string };

interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
}

const COLORS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
const ESC = '\x1b';
const SECTION_START = new RegExp(
  `^section_start:\\d+:([A-Za-z0-9_.-]+)(\\[[^\\]\\r\\n]*\\])?\\r(?:${ESC}\\[0K)?`,
);
const SECTION_END = new RegExp(`^section_end:\\d+:([A-Za-z0-9_.-]+)\\r(?:${ESC}\\[0K)?`);
// CSI sequences (colours, ESC[0K, cursor moves) and lone two-character escapes.
const ESCAPES = new RegExp(`${ESC}\\[([0-9;?]*)([A-Za-z])|${ESC}[^[]?`, 'g');

function classesOf(style: Style): string {
  const list: string[] = [];
  if (style.fg !== undefined) list.push(`term-fg-${style.fg}`);
  if (style.bg !== undefined) list.push(`term-bg-${style.bg}`);
  if (style.bold === true) list.push('term-bold');
  if (style.italic === true) list.push('term-italic');
  if (style.underline === true) list.push('term-underline');
  return list.join(' ');
}

/** Attribute codes: what they set or clear. */
const ATTRIBUTES: Readonly<Record<number, (style: Style) => void>> = {
  1: (style) => (style.bold = true),
  3: (style) => (style.italic = true),
  4: (style) => (style.underline = true),
  22: (style) => delete style.bold,
  23: (style) => delete style.italic,
  24: (style) => delete style.underline,
  39: (style) => delete style.fg,
  49: (style) => delete style.bg,
};

/** The colour class a code sets (`fg` red, `bg` light-blue…), if it is a colour. */
function colourOf(code: number): { key: 'fg' | 'bg'; name: string } | undefined {
  const ranges = [
    { from: 30, key: 'fg', light: false },
    { from: 90, key: 'fg', light: true },
    { from: 40, key: 'bg', light: false },
    { from: 100, key: 'bg', light: true },
  ] as const;
  for (const range of ranges) {
    const name = COLORS[code - range.from];
    if (code >= range.from && name !== undefined) {
      return { key: range.key, name: range.light ? `l-${name}` : name };
    }
  }
  return undefined;
}

/** Applies one SGR parameter list (`1;32`) to the style. */
function applySgr(style: Style, params: string): Style {
  const codes = params === '' ? [0] : params.split(';').map((p) => Number(p || '0'));
  let next: Style = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] as number;
    const colour = colourOf(code);
    if (code === 0) next = {};
    else if (colour !== undefined) next[colour.key] = colour.name;
    // 256-colour and true-colour forms: skip their arguments (shown uncoloured).
    else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : 4;
    else ATTRIBUTES[code]?.(next);
  }
  return next;
}

/** What a terminal would show of a line rewritten with `\r` (progress bars): the last state. */
function lastRewrite(line: string): string {
  if (!line.includes('\r')) return line;
  const parts = line.split('\r');
  for (let i = parts.length - 1; i >= 0; i--) {
    if (parts[i] !== '') return parts.slice(i).join('');
  }
  return '';
}

export class LogRenderer {
  private readonly decoder = new TextDecoder('utf-8');
  private held = '';
  private style: Style = {};
  private readonly open: string[] = [];
  /** Bytes of the trace consumed into complete lines. */
  private consumedBytes = 0;
  private pendingBytes = 0;

  /** Bytes up to the end of the last complete line rendered. */
  get consumed(): number {
    return this.consumedBytes;
  }

  /** Sections still open (outermost first). */
  get openSections(): readonly string[] {
    return this.open;
  }

  /** Renders the complete lines of what came so far; the rest waits for its newline. */
  push(bytes: Uint8Array): LogOp[] {
    this.pendingBytes += bytes.byteLength;
    const text = this.held + this.decoder.decode(bytes, { stream: true });
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      this.held = text;
      return [];
    }
    this.held = text.slice(cut + 1);
    const heldBytes = Buffer.byteLength(this.held);
    this.consumedBytes += this.pendingBytes - heldBytes;
    this.pendingBytes = heldBytes;
    return text
      .slice(0, cut)
      .split('\n')
      .flatMap((line) => this.line(line));
  }

  /** The end of the trace: the unfinished last line, and every section left open closed. */
  end(): LogOp[] {
    const rest = this.held + this.decoder.decode();
    this.held = '';
    const ops = rest === '' ? [] : this.line(rest);
    while (this.open.length > 0) ops.push({ op: 'close', name: this.open.pop() as string });
    return ops;
  }

  private line(raw: string): LogOp[] {
    const start = SECTION_START.exec(raw);
    if (start !== null) {
      const name = start[1] as string;
      this.open.push(name);
      return [
        {
          op: 'open',
          name,
          header: this.styled(lastRewrite(raw.slice(start[0].length))),
          collapsed: /collapsed=true/.test(start[2] ?? ''),
        },
      ];
    }
    const end = SECTION_END.exec(raw);
    if (end !== null) {
      const name = end[1] as string;
      const at = this.open.lastIndexOf(name);
      if (at < 0) return [];
      // Close inner sections left open by a runner that forgot them.
      return this.open
        .splice(at)
        .map((n) => ({ op: 'close', name: n }) as const)
        .reverse();
    }
    return [{ op: 'line', html: this.styled(lastRewrite(raw)) }];
  }

  /** Escaped text with the SGR state turned into spans; the state carries over lines. */
  private styled(text: string): string {
    let html = '';
    let last = 0;
    const emit = (chunk: string) => {
      if (chunk === '') return;
      const cls = classesOf(this.style);
      html += cls === '' ? escapeHtml(chunk) : `<span class="${cls}">${escapeHtml(chunk)}</span>`;
    };
    for (const match of text.matchAll(ESCAPES)) {
      emit(text.slice(last, match.index));
      last = match.index + match[0].length;
      if (match[2] === 'm') this.style = applySgr(this.style, match[1] ?? '');
    }
    emit(text.slice(last));
    return html;
  }
}

/** Indexes of the `open` ops that a later `close` ends. */
function closedOpens(ops: readonly LogOp[]): Set<number> {
  const stack: number[] = [];
  const closed = new Set<number>();
  ops.forEach((op, index) => {
    if (op.op === 'open') stack.push(index);
    else if (op.op === 'close' && stack.length > 0) closed.add(stack.pop() as number);
  });
  return closed;
}

/**
 * Ops as nested HTML. Sections the ops leave open are marked `data-open`: the live page keeps
 * appending inside them.
 */
export function opsToHtml(ops: readonly LogOp[]): string {
  const closed = closedOpens(ops);
  let html = '';
  let depth = 0;
  ops.forEach((op, index) => {
    if (op.op === 'line') html += `<div class="line">${op.html || '&#8203;'}</div>`;
    else if (op.op === 'open') {
      depth++;
      const mark = closed.has(index) ? '' : ' data-open';
      const attrs = `${op.collapsed ? '' : ' open'} data-section="${escapeHtml(op.name)}"${mark}`;
      html += `<details class="section"${attrs}><summary>${op.header}</summary>`;
    } else if (depth > 0) {
      depth--;
      html += '</details>';
    }
  });
  return html + '</details>'.repeat(depth);
}

/** A whole (finished) trace as HTML. */
export function renderTrace(bytes: Uint8Array): string {
  const renderer = new LogRenderer();
  return opsToHtml([...renderer.push(bytes), ...renderer.end()]);
}
