import { describe, expect, it } from 'vitest';
import { LogRenderer, opsToHtml, renderTrace } from './log-renderer.js';

const enc = (text: string) => new TextEncoder().encode(text);
const render = (text: string) => renderTrace(enc(text));

describe('renderTrace', () => {
  it('turns SGR colours into classed spans and drops other escapes', () => {
    const html = render('\x1b[0K\x1b[32;1mJob succeeded\x1b[0;m\nplain \x1b[31mred\x1b[0m\n');
    expect(html).toBe(
      '<div class="line"><span class="term-fg-green term-bold">Job succeeded</span></div>' +
        '<div class="line">plain <span class="term-fg-red">red</span></div>',
    );
  });

  it('keeps colour state across lines and understands bright and background colours', () => {
    const html = render('\x1b[1;93;44mA\nB\x1b[22;39mC\x1b[49m\n');
    expect(html).toContain('<span class="term-fg-l-yellow term-bg-blue term-bold">A</span>');
    expect(html).toContain('<span class="term-fg-l-yellow term-bg-blue term-bold">B</span>');
    expect(html).toContain('<span class="term-bg-blue">C</span>');
  });

  it('skips the arguments of 256-colour codes', () => {
    expect(render('\x1b[38;5;196mX\x1b[0m\n')).toBe('<div class="line">X</div>');
  });

  it('escapes HTML in logs, so a log cannot inject markup or script', () => {
    const html = render(
      '<script>alert(1)</script>\n\x1b[31m<img src=x onerror=alert(2)>\x1b[0m "q" \'a\' &\n',
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&quot;q&quot; &#39;a&#39; &amp;');
  });

  it('renders GitLab sections as collapsible details, collapsed when asked', () => {
    const trace =
      'section_start:1700000000:get_sources\r\x1b[0K\x1b[0K\x1b[36;1mGetting source\x1b[0;m\n' +
      'Fetching\n' +
      'section_end:1700000001:get_sources\r\x1b[0K\n' +
      'section_start:1700000002:quiet[collapsed=true]\r\x1b[0KHidden\n' +
      'inside\n' +
      'section_end:1700000003:quiet\r\x1b[0K\n';
    expect(render(trace)).toBe(
      '<details class="section" open data-section="get_sources"><summary><span class="term-fg-cyan term-bold">Getting source</span></summary>' +
        '<div class="line">Fetching</div></details>' +
        '<details class="section" data-section="quiet"><summary>Hidden</summary><div class="line">inside</div></details>',
    );
  });

  it('closes sections a trace left open and ignores stray ends', () => {
    const html = render(
      'section_end:1:nope\r\x1b[0K\nsection_start:1:a\r\x1b[0KA\nsection_start:1:b\r\x1b[0KB\nx\n',
    );
    expect(html).toBe(
      '<details class="section" open data-section="a"><summary>A</summary>' +
        '<details class="section" open data-section="b"><summary>B</summary><div class="line">x</div></details></details>',
    );
  });

  it('shows the last state of a line rewritten with carriage returns', () => {
    expect(render('10%\r50%\r100%\n')).toBe('<div class="line">100%</div>');
  });
});

describe('LogRenderer (incremental)', () => {
  it('renders the same whatever the chunking, even inside escapes and UTF-8 sequences', () => {
    const text =
      'section_start:1:s\r\x1b[0K\x1b[36;1mHead é\x1b[0;m\nliné \x1b[32mgreen\x1b[0m\nsection_end:1:s\r\x1b[0K\nend';
    const bytes = enc(text);
    const whole = renderTrace(bytes);
    for (const size of [1, 2, 3, 7]) {
      const renderer = new LogRenderer();
      const ops = [];
      for (let i = 0; i < bytes.length; i += size)
        ops.push(...renderer.push(bytes.subarray(i, i + size)));
      ops.push(...renderer.end());
      expect(opsToHtml(ops)).toBe(whole);
    }
  });

  it('reports the bytes consumed up to the last complete line, and marks open sections', () => {
    const renderer = new LogRenderer();
    const ops = renderer.push(enc('section_start:1:s\r\x1b[0KHead\né\npartial'));
    expect(renderer.consumed).toBe(Buffer.byteLength('section_start:1:s\r\x1b[0KHead\né\n'));
    expect(opsToHtml(ops)).toContain('data-open');
    expect(renderer.openSections).toEqual(['s']);
  });
});
