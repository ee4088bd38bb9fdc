import { describe, expect, it } from 'vitest';
import { ConsoleSink, MemorySink } from './sinks.js';
import { JobTrace } from './trace.js';

const SECRET = 'MyS3cretValue99';

function trace(options: { sections?: boolean; limit?: number } = {}) {
  const sink = new MemorySink();
  const t = new JobTrace({
    sink,
    secrets: [SECRET],
    sections: options.sections ?? true,
    now: () => 1_716_026_400_000,
    ...(options.limit === undefined ? {} : { outputLimitBytes: options.limit }),
  });
  return { sink, t };
}

describe('JobTrace', () => {
  it('frames runner lines as GitLab does', async () => {
    const { sink, t } = trace();
    t.plain('Running with dockhand');
    t.info('Job succeeded');
    t.warning('careful');
    t.error('Job failed: exit code 1');
    await t.close();
    expect(sink.text()).toBe(
      '\x1b[0KRunning with dockhand\x1b[0;m\n' +
        '\x1b[32;1mJob succeeded\x1b[0;m\n' +
        '\x1b[0;33mWARNING: careful\x1b[0;m\n' +
        '\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m\n',
    );
    expect(sink.closed).toBe(true);
  });

  it('writes section markers with a bold cyan header, only when sections are on', async () => {
    const { sink, t } = trace();
    t.sectionStart('step_script', 'Executing "step_script" stage of the job script');
    t.output('hello\n');
    t.sectionEnd('step_script');
    await t.close();
    expect(sink.text()).toBe(
      'section_start:1716026400:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m\x1b[0;m\n' +
        'hello\n' +
        'section_end:1716026400:step_script\r\x1b[0K\n',
    );
    const off = trace({ sections: false });
    off.t.sectionStart('x', 'Header');
    off.t.sectionEnd('x');
    await off.t.close();
    expect(off.sink.text()).toBe('\x1b[0K\x1b[36;1mHeader\x1b[0;m\x1b[0;m\n');
  });

  it('starts a runner line on a new line after output without a newline', async () => {
    const { sink, t } = trace();
    t.output('no newline');
    t.info('Job succeeded');
    await t.close();
    expect(sink.text()).toBe('no newline\n\x1b[32;1mJob succeeded\x1b[0;m\n');
  });

  it('masks secrets in output and runner lines; no sink write ever holds one', async () => {
    const { sink, t } = trace();
    t.output(`value: ${SECRET.slice(0, 5)}`);
    t.output(`${SECRET.slice(5)}\n`);
    t.error(`could not use ${SECRET}`);
    t.output('token glpat-0123456789abcdefghij\n');
    t.output(`tail ${SECRET.slice(0, 9)}`);
    t.output(SECRET.slice(9));
    await t.close();
    expect(sink.text()).toContain('value: [MASKED]\n');
    expect(sink.text()).toContain('ERROR: could not use [MASKED]');
    expect(sink.text()).toContain('token glpat-[MASKED]\n');
    expect(sink.text()).toMatch(/tail \[MASKED\]$/);
    for (const write of sink.writes()) {
      expect(write).not.toContain(SECRET.slice(0, 6));
      expect(write).not.toContain('0123456789abcdefghij');
    }
  });

  it('caps job output at the output limit with GitLab notice, keeping runner lines', async () => {
    const { sink, t } = trace({ limit: 10 });
    t.output('0123456');
    t.output('789abcdef');
    t.output('more');
    t.info('Job succeeded');
    await t.close();
    expect(sink.text()).toBe(
      '0123456789\n' +
        "\x1b[31;1mJob's log exceeded limit of 10 bytes.\n" +
        'Job execution will continue but no more output will be collected.\x1b[0;m\n' +
        '\x1b[32;1mJob succeeded\x1b[0;m\n',
    );
  });

  it('ignores writes after close', async () => {
    const { sink, t } = trace();
    await t.close();
    t.output('late');
    t.info('late');
    expect(sink.text()).toBe('');
  });
});

describe('ConsoleSink', () => {
  const framed =
    'section_start:1716026400:step_script\r\x1b[0K\x1b[0K\x1b[36;1mHeader\x1b[0;m\x1b[0;m\n' +
    '\x1b[32;1m$ echo hi\x1b[0;m\nhi\n' +
    'section_end:1716026400:step_script\r\x1b[0K\n';

  it('strips markers and colours without colour', async () => {
    const out: string[] = [];
    const sink = new ConsoleSink((t) => out.push(t), { color: false });
    sink.write(framed);
    await sink.close();
    expect(out.join('')).toBe('Header\n$ echo hi\nhi\n');
  });

  it('keeps colours but strips markers with colour', async () => {
    const out: string[] = [];
    const sink = new ConsoleSink((t) => out.push(t), { color: true });
    sink.write(framed);
    await sink.close();
    expect(out.join('')).not.toContain('section_');
    expect(out.join('')).toContain('\x1b[32;1m$ echo hi\x1b[0;m');
  });

  it('reassembles an escape sequence split across writes before stripping it', async () => {
    const out: string[] = [];
    const sink = new ConsoleSink((t) => out.push(t), { color: false });
    sink.write('red \x1b[31');
    sink.write(';1mtext\x1b[0;m\n');
    await sink.close();
    expect(out.join('')).toBe('red text\n');
  });
});
