import { describe, expect, it } from 'vitest';
import { createCoordinatorApp } from '../../app.js';
import { memoryArtifactStorage } from '../../artifact-storage.js';
import { createMemoryStore } from '../../store/memory-store.js';
import { FakeClock, seedPipeline } from '../../test-fixtures.js';
import { hashToken } from '../../tokens.js';

const REG = 'reg-secret';
const enc = (text: string) => new TextEncoder().encode(text);

async function setup() {
  const store = createMemoryStore();
  const coordinator = createCoordinatorApp({
    store,
    clock: new FakeClock(),
    artifacts: memoryArtifactStorage(),
    registrationTokenHash: hashToken(REG),
    pollHoldMs: 50,
  });
  const { app } = coordinator;
  const seeded = await seedPipeline(store, [
    { name: 'build <b>', tags: ['docker'] },
    { name: 'later', stage: 1 },
  ]);
  await coordinator.scheduler.advance(seeded.pipeline.id);
  const registered = await app.request('/api/v4/runners', {
    method: 'POST',
    body: JSON.stringify({ token: REG, description: 'builder-runner', tag_list: 'docker' }),
    headers: { 'Content-Type': 'application/json' },
  });
  const runnerToken = ((await registered.json()) as { token: string }).token;
  const taken = await app.request('/api/v4/jobs/request', {
    method: 'POST',
    body: JSON.stringify({ token: runnerToken }),
    headers: { 'Content-Type': 'application/json' },
  });
  const job = (await taken.json()) as { id: number; token: string };
  const patch = (offset: number, text: string) =>
    app.request(`/api/v4/jobs/${job.id}/trace`, {
      method: 'PATCH',
      body: enc(text),
      headers: {
        'JOB-TOKEN': job.token,
        'Content-Range': `${offset}-${offset + enc(text).length - 1}`,
      },
    });
  return { app, coordinator, store, seeded, job, runnerToken, patch };
}

describe('the web UI', () => {
  it('lists projects and pipelines, and a pipeline’s jobs by stage with their runner', async () => {
    const { app, seeded } = await setup();
    const home = await (await app.request('/')).text();
    expect(home).toContain('<a href="/projects/demo">demo</a>');
    expect(home).toContain(`<a href="/pipelines/${seeded.pipeline.id}">#${seeded.pipeline.id}</a>`);
    const project = await (await app.request('/projects/demo')).text();
    expect(project).toContain(`#${seeded.pipeline.id}`);
    const response = await app.request(`/pipelines/${seeded.pipeline.id}`);
    const pipeline = await response.text();
    expect(pipeline).toContain('build &lt;b&gt;');
    expect(pipeline).not.toContain('build <b>');
    expect(pipeline).toContain('builder-runner');
    expect(pipeline).toContain('badge status-running');
    expect(pipeline).toContain('badge status-created');
    expect(response.headers.get('Content-Security-Policy')).toMatch(/script-src 'nonce-/);
  });

  it('shows a running job’s log so far, marked live, without its token', async () => {
    const { app, job, patch, runnerToken } = await setup();
    await patch(0, `\x1b[32mstep\x1b[0m <script>alert(1)</script>\nhalf`);
    const page = await (await app.request(`/jobs/${job.id}`)).text();
    expect(page).toContain(
      '<span class="term-fg-green">step</span> &lt;script&gt;alert(1)&lt;/script&gt;',
    );
    expect(page).not.toContain('half');
    expect(page).toContain('data-live="true"');
    expect(page).toContain(
      `data-from="${enc('\x1b[32mstep\x1b[0m <script>alert(1)</script>\n').length}"`,
    );
    expect(page).not.toContain(job.token);
    expect(page).not.toContain(runnerToken);
    expect(page).not.toContain('__DOCKHAND_JOB_TOKEN__');
    expect((await app.request('/jobs/9999')).status).toBe(404);
  });

  it('streams new lines and the end of the job over SSE', async () => {
    const { app, job, patch } = await setup();
    await patch(0, 'first\nsec');
    const response = await app.request(`/jobs/${job.id}/stream?from=6`);
    expect(response.headers.get('Content-Type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readUntil = async (needle: string) => {
      while (!received.includes(needle)) {
        const chunk = await reader.read();
        if (chunk.done) break;
        received += decoder.decode(chunk.value);
      }
    };
    await patch(9, 'ond\nthird\n');
    await readUntil('third');
    expect(received).toContain('"html":"second"');
    expect(received).not.toContain('"html":"first"');
    const put = await app.request(`/api/v4/jobs/${job.id}`, {
      method: 'PUT',
      body: JSON.stringify({ token: job.token, state: 'success' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(put.status).toBe(200);
    await readUntil('event: end');
    expect(received).toContain('event: status\ndata: success');
    await reader.cancel();
  });

  it('renders a finished job’s full log without the live script', async () => {
    const { app, job, patch } = await setup();
    await patch(
      0,
      'section_start:1:step_script\r\x1b[0KRun\nout\nsection_end:1:step_script\r\x1b[0K\nlast',
    );
    await app.request(`/api/v4/jobs/${job.id}`, {
      method: 'PUT',
      body: JSON.stringify({
        token: job.token,
        state: 'failed',
        failure_reason: 'script_failure',
        exit_code: 2,
      }),
      headers: { 'Content-Type': 'application/json' },
    });
    const page = await (await app.request(`/jobs/${job.id}`)).text();
    expect(page).toContain(
      '<details class="section" open data-section="step_script"><summary>Run</summary>',
    );
    expect(page).toContain('<div class="line">last</div>');
    expect(page).toContain('script_failure (exit code 2)');
    expect(page).toContain('data-live="false"');
    expect(page).not.toContain('EventSource');
  });
});
