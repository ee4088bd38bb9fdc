import { paint, type Tone } from '../core/ansi.js';
import type { PipelineJobReport } from '../runner/pipeline-run.js';

function status(report: PipelineJobReport): { text: string; tone: Tone } {
  const attempts = report.attempts > 1 ? ` (${report.attempts} attempts)` : '';
  switch (report.status) {
    case 'success':
      return { text: `passed${attempts}`, tone: 'info' };
    case 'failed':
      return { text: `failed${attempts}`, tone: report.allowedFailure ? 'warning' : 'error' };
    case 'canceled':
      return { text: 'canceled', tone: 'error' };
    case 'skipped':
      return { text: 'skipped', tone: 'dim' };
    case 'pending':
    case 'running':
      return { text: report.status, tone: 'plain' };
  }
}

function duration(report: PipelineJobReport): string {
  if (report.attempts === 0) return '-';
  return `${(report.durationMs / 1000).toFixed(2)}s`;
}

/**
 * The closing table of `dockhand exec`: job, stage, status, duration, allowed to fail (and why
 * a job was skipped). Columns are padded on the plain text, then coloured.
 */
export function formatSummary(
  reports: readonly PipelineJobReport[],
  stages: ReadonlyMap<string, string>,
  color: boolean,
): string {
  const header = ['Job', 'Stage', 'Status', 'Duration', 'Allowed to fail', ''];
  const rows = reports.map((r) => {
    const s = status(r);
    const allowed = r.status === 'failed' && r.allowedFailure ? 'yes' : '';
    const note = r.status === 'skipped' && r.reason !== undefined ? r.reason : '';
    return {
      cells: [r.name, stages.get(r.name) ?? '', s.text, duration(r), allowed, note],
      tone: s.tone,
    };
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r.cells[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[], tone?: Tone): string =>
    cells
      .map((cell, i) => {
        const padded = cell.padEnd(widths[i] ?? 0);
        return i === 2 && tone !== undefined ? paint(tone, padded, color) : padded;
      })
      .join('  ')
      .trimEnd();
  const out = [paint('header', line(header), color), ...rows.map((r) => line(r.cells, r.tone))];
  return `${out.join('\n')}\n`;
}
