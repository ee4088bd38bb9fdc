import { stat } from 'node:fs/promises';
import { SEVERITY_ORDER } from '../../audit/finding.js';
import { auditJobs } from '../../audit/job-rules.js';
import { auditConfig } from '../../audit/rules.js';
import { pipelineJobsForAudit } from '../audit-pipeline.js';
import { formatFindingsJson, formatFindingsSarif, formatFindingsText } from '../../audit/format.js';
import { parseConfig } from '../../config/parse-config.js';
import { formatProblem } from '../../config/problems.js';
import { ConfigError, UsageError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { discoverConfig, processDiscoveryContext, readConfigFile } from '../config-discovery.js';
import { parseFlags } from '../parse-flags.js';

const HELP = `Usage: dockhand audit [--config FILE] [--file PIPELINE] [--format text|json|sarif]

Explains the risks a runner configuration carries: who can control which Docker engine, what
runs privileged, how runner policies can be bypassed, and how to fix each. Findings have a
severity (high, medium, low, info).

Flags:
  -c, --config FILE  the config.toml to audit (discovered as for 'dockhand config check')
  -f, --file F       also audit the jobs of this .gitlab-ci.yml against the runners that would
                     take them (entrypoint overrides, default images and services with the socket)
      --cwd DIR      the repository --file is relative to (default: the current directory)
      --format F     text (default), json, or sarif (SARIF 2.1.0 for code-scanning UIs)

Exit codes: 0 no high-severity finding, 1 at least one high-severity finding, 2 the file is invalid.
`;

const formats = ['text', 'json', 'sarif'] as const;
type Format = (typeof formats)[number];

export const auditCommand: Command = {
  name: 'audit',
  summary: 'explain the security risks of a runner configuration',
  help: HELP,
  async run(args, io) {
    const { values } = parseFlags('audit', args, {
      config: { type: 'string', short: 'c' },
      file: { type: 'string', short: 'f' },
      cwd: { type: 'string' },
      format: { type: 'string', default: 'text' },
    });
    const format = values.format as Format;
    if (!formats.includes(format)) {
      throw new UsageError(`dockhand audit: unknown format "${values.format}"`, {
        hint: `use one of: ${formats.join(', ')}`,
      });
    }
    const found = await discoverConfig(values.config, processDiscoveryContext(io.cwd, io.env));
    const text = await readConfigFile(found);
    const parsed = parseConfig(text, found.display);
    if (parsed.errors.length > 0) {
      throw new ConfigError(
        'audit.invalid-config',
        `${found.display} is invalid:\n${parsed.errors.map(formatProblem).join('\n')}`,
        {
          hint: `run 'dockhand config check --config ${found.display}' for details`,
        },
      );
    }
    const mode = await stat(found.path).then(
      (s) => s.mode & 0o777,
      () => undefined,
    );
    const findings = auditConfig({
      file: found.display,
      runners: parsed.config.runners,
      ...(mode === undefined ? {} : { fileMode: mode }),
    });
    if (values.file !== undefined) {
      const jobs = pipelineJobsForAudit(values.cwd ?? io.cwd, values.file, parsed.config.runners);
      findings.push(...auditJobs(jobs));
      findings.sort(
        (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity),
      );
    }
    if (format === 'json') io.stdout(formatFindingsJson(findings));
    else if (format === 'sarif') io.stdout(formatFindingsSarif(findings));
    else io.stdout(formatFindingsText(findings, io.color));
    return findings.some((f) => f.severity === 'high') ? 1 : 0;
  },
};
