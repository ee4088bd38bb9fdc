import { paint } from '../core/ansi.js';
import { DOCKHAND_VERSION } from '../core/version.js';
import type { Finding, Severity } from './finding.js';
import { JOB_AUDIT_RULES } from './job-rules.js';
import { AUDIT_RULES } from './rules.js';

const tones: Record<Severity, 'error' | 'warning' | 'plain' | 'dim'> = {
  high: 'error',
  medium: 'warning',
  low: 'plain',
  info: 'dim',
};

export function formatFindingsText(findings: readonly Finding[], color: boolean): string {
  if (findings.length === 0) return 'No findings: no risk dockhand audit knows of.\n';
  const lines: string[] = [];
  for (const finding of findings) {
    const label = paint(tones[finding.severity], finding.severity.toUpperCase(), color);
    lines.push(`${label} ${finding.file}:${finding.line} [${finding.rule}] ${finding.message}`);
    lines.push(`  fix: ${finding.fix}`);
  }
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length;
  lines.push(
    '',
    `${findings.length} findings: ${count('high')} high, ${count('medium')} medium, ${count('low')} low, ${count('info')} info`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatFindingsJson(findings: readonly Finding[]): string {
  return `${JSON.stringify({ findings }, null, 2)}\n`;
}

const sarifLevel: Record<Severity, 'error' | 'warning' | 'note'> = {
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** SARIF 2.1.0, the format code-scanning UIs (GitLab, GitHub) import. */
export function formatFindingsSarif(findings: readonly Finding[]): string {
  const log = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'dockhand audit',
            version: DOCKHAND_VERSION,
            rules: [...AUDIT_RULES, ...JOB_AUDIT_RULES].map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.summary },
            })),
          },
        },
        results: findings.map((finding) => ({
          ruleId: finding.rule,
          level: sarifLevel[finding.severity],
          message: { text: `${finding.message}. Fix: ${finding.fix}` },
          properties: { severity: finding.severity, runner: finding.runner },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: finding.file },
                region: { startLine: finding.line },
              },
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
