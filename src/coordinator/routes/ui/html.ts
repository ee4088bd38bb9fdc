/**
 * The few HTML helpers the server-rendered pages share: escaping, the page frame with its CSS,
 * status badges and times. No template engine, no front-end build: every value that is not
 * markup we wrote goes through `escapeHtml`.
 */
import { randomBytes } from 'node:crypto';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** A fresh nonce per page: only our own inline script runs, whatever a log contains. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function badge(status: string, id?: string): string {
  const safe = escapeHtml(status);
  const attr = id === undefined ? '' : ` id="${id}"`;
  return `<span${attr} class="badge status-${safe}">${safe}</span>`;
}

export function timeOf(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return escapeHtml(
    new Date(ms)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC'),
  );
}

export function durationOf(start: number | undefined, end: number | undefined): string {
  if (start === undefined || end === undefined) return '–';
  const seconds = Math.max(0, Math.round((end - start) / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

const CSS = `
:root { color-scheme: light; --fg:#1f1e24; --muted:#737278; --line:#dcdcde; --bg:#fbfafd; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header.top { background:#292961; color:#fff; padding:10px 24px; display:flex; gap:16px; align-items:center; }
header.top a { color:#fff; text-decoration:none; font-weight:600; }
main { padding:16px 24px; max-width:1200px; }
h1 { font-size:20px; margin:8px 0 16px; }
h2 { font-size:16px; margin:24px 0 8px; }
a { color:#1068bf; }
table { border-collapse:collapse; width:100%; background:#fff; }
th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; }
.muted { color:var(--muted); }
code.sha { font-size:12px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; border:1px solid; }
.status-success { color:#108548; border-color:#108548; background:#ecf4ee; }
.status-failed { color:#dd2b0e; border-color:#dd2b0e; background:#fcf1ef; }
.status-running { color:#1f75cb; border-color:#1f75cb; background:#e9f3fc; }
.status-pending, .status-created { color:#ab6100; border-color:#ab6100; background:#fdf1dd; }
.status-canceled, .status-canceling, .status-skipped, .status-manual { color:#535158; border-color:#535158; background:#ececef; }
.stages { display:flex; gap:24px; flex-wrap:wrap; }
.stage { min-width:220px; }
.stage h3 { font-size:13px; color:var(--muted); text-transform:uppercase; margin:0 0 8px; }
.job-card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:8px 10px; margin-bottom:8px; }
.job-card a { text-decoration:none; font-weight:600; }
dl.meta { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:0 0 16px; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; }
.log { background:#1f1f1f; color:#e0e0e0; font:13px/1.45 ui-monospace, Menlo, Consolas, monospace; padding:12px 16px; border-radius:6px; white-space:pre-wrap; word-break:break-all; overflow-x:auto; }
.log .line { min-height:1.45em; }
.log details.section > summary { cursor:pointer; list-style-position:outside; margin-left:1em; }
.log details.section > summary:hover { background:#333; }
.log details.section { margin:0; }
.log details.section > :not(summary) { margin-left:0; }
.term-bold { font-weight:bold; } .term-italic { font-style:italic; } .term-underline { text-decoration:underline; }
.term-fg-black { color:#666; } .term-fg-red { color:#ff6b6b; } .term-fg-green { color:#5fd35f; }
.term-fg-yellow { color:#f0c674; } .term-fg-blue { color:#6fa8ff; } .term-fg-magenta { color:#e17ee8; }
.term-fg-cyan { color:#4fd6e0; } .term-fg-white { color:#f5f5f5; }
.term-fg-l-black { color:#999; } .term-fg-l-red { color:#ff8f8f; } .term-fg-l-green { color:#8ff08f; }
.term-fg-l-yellow { color:#ffe08f; } .term-fg-l-blue { color:#9fc5ff; } .term-fg-l-magenta { color:#f2a6f6; }
.term-fg-l-cyan { color:#8ff0f5; } .term-fg-l-white { color:#fff; }
.term-bg-black { background:#000; } .term-bg-red { background:#a33; } .term-bg-green { background:#2a7a2a; }
.term-bg-yellow { background:#8a6d1a; } .term-bg-blue { background:#2a4f9a; } .term-bg-magenta { background:#7a2a7a; }
.term-bg-cyan { background:#1a6f7a; } .term-bg-white { background:#ccc; color:#000; }
.live { color:#1f75cb; font-size:12px; margin-left:8px; }
`;

export interface PageOptions {
  readonly title: string;
  readonly body: string;
  readonly nonce: string;
  readonly script?: string;
  /** Seconds: reload the page while what it shows is still moving. */
  readonly refreshSeconds?: number;
}

export function page(options: PageOptions): string {
  const refresh =
    options.refreshSeconds === undefined
      ? ''
      : `<meta http-equiv="refresh" content="${options.refreshSeconds}">`;
  const script =
    options.script === undefined
      ? ''
      : `<script nonce="${options.nonce}">${options.script}</script>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}<title>${escapeHtml(options.title)} · dockhand</title><style>${CSS}</style></head>
<body><header class="top"><a href="/">dockhand</a><span class="muted">coordinator</span></header>
<main>${options.body}</main>${script}</body></html>`;
}
