import { checkCronExpression, CRON_FORMAT } from './cron.js';
import type { KeyPath } from './problems.js';
import type { Reporter } from './reporter.js';
import { autoscalingSection, machineSection } from './schema/machine.js';
import { childSections, SectionReader } from './section-reader.js';
import type { AutoscalingPeriod, IdleSettings, MachineSettings } from './types.js';
import type { CheckedSection } from './walk.js';

function nonNegative(reader: SectionReader, name: string, report: Reporter): number {
  const value = reader.num(name);
  if (value >= 0) return value;
  report.error({
    code: 'bad-value',
    path: reader.keyPath(name),
    message: `${name} cannot be negative (${value})`,
    hint: `write ${name} = 0 or more`,
  });
  return 0;
}

function idle(reader: SectionReader, report: Reporter): IdleSettings {
  const factor = reader.num('IdleScaleFactor');
  const idleCountMin = nonNegative(reader, 'IdleCountMin', report);
  return {
    idleCount: nonNegative(reader, 'IdleCount', report),
    // As GitLab Runner: with a scale factor, at least one VM stays idle.
    idleCountMin: factor > 0 ? Math.max(1, idleCountMin) : idleCountMin,
    idleScaleFactor: factor < 0 ? 0 : factor,
    idleTime: nonNegative(reader, 'IdleTime', report),
  };
}

/** Intl knows the IANA zones Go's time.LoadLocation reads; "Local" and "" mean host time. */
function knownTimezone(zone: string): boolean {
  if (zone === '' || zone === 'Local' || zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function periods(reader: SectionReader, report: Reporter): string[] {
  return reader.list('Periods').filter((expression, i) => {
    const problem = checkCronExpression(expression);
    if (problem === undefined) return true;
    report.error({
      code: 'bad-cron',
      path: [...reader.keyPath('Periods'), i],
      message: `invalid cron expression "${expression}": ${problem}`,
      hint: `Periods use ${CRON_FORMAT}`,
    });
    return false;
  });
}

function autoscaling(checked: CheckedSection, report: Reporter): AutoscalingPeriod {
  const reader = new SectionReader(autoscalingSection, checked, checked.path);
  const timezone = reader.str('Timezone');
  if (timezone !== undefined && !knownTimezone(timezone)) {
    report.warning({
      code: 'unknown-timezone',
      path: reader.keyPath('Timezone'),
      message: `unknown time zone "${timezone}"`,
      hint: 'write an IANA zone such as "Europe/Berlin" or "UTC"',
    });
  }
  if (reader.list('Periods').length === 0) {
    report.warning({
      code: 'missing-key',
      path: checked.path,
      message: 'this autoscaling section has no Periods, so it never applies',
      hint: 'add Periods = ["* * 9-17 * * mon-fri *"]',
    });
  }
  return {
    ...idle(reader, report),
    periods: periods(reader, report),
    timezone: timezone === '' || timezone === 'Local' ? undefined : timezone,
  };
}

function machineName(reader: SectionReader, report: Reporter): string | undefined {
  const name = reader.str('MachineName');
  if (name === undefined || name.includes('%s')) return name;
  report.error({
    code: 'bad-machine-name',
    path: reader.keyPath('MachineName'),
    message: `MachineName "${name}" must contain %s`,
    hint: `%s is replaced by a unique id per VM, e.g. MachineName = "${name}-%s"`,
  });
  return undefined;
}

export function normalizeMachine(
  checked: CheckedSection,
  path: KeyPath,
  report: Reporter,
): MachineSettings {
  const reader = new SectionReader(machineSection, checked, path);
  return {
    ...idle(reader, report),
    maxGrowthRate: nonNegative(reader, 'MaxGrowthRate', report),
    maxBuilds: nonNegative(reader, 'MaxBuilds', report),
    machineDriver: reader.str('MachineDriver'),
    machineName: machineName(reader, report),
    machineOptions: reader.list('MachineOptions'),
    autoscaling: childSections(checked, 'autoscaling').map((c) => autoscaling(c, report)),
  };
}
