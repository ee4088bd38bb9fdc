import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoordinatorApp, type Coordinator } from '../../src/coordinator/app.js';
import { memoryArtifactStorage } from '../../src/coordinator/artifact-storage.js';
import { listen, type Listening } from '../../src/coordinator/server.js';
import { createMemoryStore } from '../../src/coordinator/store/memory-store.js';
import { seedPipeline } from '../../src/coordinator/test-fixtures.js';
import { hashToken } from '../../src/coordinator/tokens.js';

// The coordinator's web page in headless Chromium (Debian's package, driven by playwright-core).
// A scripted runner talks to a real HTTP coordinator; no Docker is involved.
const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const IMAGES = join(ROOT, 'docs', 'images');
const REG = 'dhreg-browser-test';
const ESC = '\x1b';

const FIRST = [
  `section_start:1700000000:prepare_executor\r${ESC}[0K${ESC}[0K${ESC}[36;1mPreparing the "docker" executor${ESC}[0;m${ESC}[0;m`,
  `${ESC}[0KUsing Docker executor with image busybox:latest ...${ESC}[0;m`,
  `section_end:1700000001:prepare_executor\r${ESC}[0K`,
  `section_start:1700000001:step_script\r${ESC}[0K${ESC}[0K${ESC}[36;1mExecuting "step_script" stage of the job script${ESC}[0;m${ESC}[0;m`,
  `${ESC}[32;1m$ make test${ESC}[0;m`,
  `${ESC}[32mPASS${ESC}[0m  parser  ${ESC}[2m(12 ms)${ESC}[0m`,
  `${ESC}[31;1mFAIL${ESC}[0m  <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>`,
  'token=[MASKED]',
  '',
].join('\n');

const SECOND = [
  `${ESC}[33mlive line after the page was loaded${ESC}[0m`,
  `section_end:1700000005:step_script\r${ESC}[0K`,
  `${ESC}[32;1mJob succeeded${ESC}[0;m`,
  '',
].join('\n');

const skip = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;

let listening: Listening | undefined;
let coordinator: Coordinator | undefined;
let context: BrowserContext | undefined;
let profile = '';
let job = { id: 0, token: '' };
let pipelineId = 0;

const json = { 'Content-Type': 'application/json' };

async function runnerCall(path: string, init: RequestInit): Promise<Response> {
  return fetch(new URL(`/api/v4${path}`, listening?.url), init);
}

async function patch(offset: number, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  const response = await runnerCall(`/jobs/${job.id}/trace`, {
    method: 'PATCH',
    body: bytes,
    headers: { 'JOB-TOKEN': job.token, 'Content-Range': `${offset}-${offset + bytes.length - 1}` },
  });
  expect(response.status).toBe(202);
}

(skip === undefined ? describe : describe.skip)(
  `the coordinator's web page in Chromium${skip === undefined ? '' : ` (skipped: ${skip})`}`,
  () => {
    beforeAll(async () => {
      const store = createMemoryStore();
      coordinator = createCoordinatorApp({
        store,
        clock: { now: () => Date.now() },
        artifacts: memoryArtifactStorage(),
        registrationTokenHash: hashToken(REG),
        pollHoldMs: 100,
      });
      const seeded = await seedPipeline(
        store,
        [
          { name: 'build-image', tags: ['docker-builder'] },
          { name: 'unit-tests', tags: ['docker'] },
          { name: 'deploy', stage: 1 },
        ],
        Date.now(),
      );
      pipelineId = seeded.pipeline.id;
      await coordinator.scheduler.advance(pipelineId);
      listening = await listen(coordinator.app, '127.0.0.1', 0);
      const registered = await runnerCall('/runners', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ token: REG, description: 'plain', tag_list: 'docker' }),
      });
      const runnerToken = ((await registered.json()) as { token: string }).token;
      const taken = await runnerCall('/jobs/request', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ token: runnerToken }),
      });
      job = (await taken.json()) as { id: number; token: string };
      await patch(0, FIRST);
      profile = mkdtempSync(join(tmpdir(), 'dockhand-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1100, height: 760 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      mkdirSync(IMAGES, { recursive: true });
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      await listening?.close();
      if (profile !== '') rmSync(profile, { recursive: true, force: true });
    });

    async function open(path: string): Promise<Page> {
      const page = await (context as BrowserContext).newPage();
      page.on('dialog', (dialog) => void dialog.dismiss());
      await page.goto(new URL(path, listening?.url).toString());
      return page;
    }

    it('lists the pipeline with its jobs by stage and status', async () => {
      const home = await open('/');
      expect(await home.locator('table.projects').innerText()).toContain('demo');
      await home.close();
      const page = await open(`/pipelines/${pipelineId}`);
      const cards = page.locator('.job-card');
      expect(await cards.count()).toBe(3);
      const waiting = page.locator('.job-card', { hasText: 'build-image' });
      expect(await waiting.locator('.badge').innerText()).toBe('pending');
      const later = page.locator('.job-card', { hasText: 'deploy' });
      expect(await later.locator('.badge').innerText()).toBe('created');
      const taken = page.locator('.job-card', { hasText: 'unit-tests' });
      expect(await taken.locator('.badge').innerText()).toBe('running');
      expect(await taken.innerText()).toContain('plain');
      await page.screenshot({ path: join(IMAGES, 'coordinator-pipeline.png'), fullPage: true });
      await page.close();
    });

    it('renders the log with colours and collapsible sections, streams new lines live, and runs no script from the log', async () => {
      const page = await open(`/jobs/${job.id}`);
      const log = page.locator('#log');
      expect(await log.innerText()).toContain('$ make test');
      const pass = log.locator('span.term-fg-green', { hasText: 'PASS' });
      expect(
        await pass.evaluate(
          // The test's tsconfig has no DOM types; in the page this is window.getComputedStyle.
          (el) =>
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }
            ).getComputedStyle(el).color,
        ),
      ).toBe('rgb(95, 211, 95)');
      // The XSS attempt shows as text and never runs.
      expect(await log.innerText()).toContain('<img src=x onerror="window.__xss=1">');
      expect(await page.evaluate('window.__xss')).toBeUndefined();
      expect(await log.locator('img').count()).toBe(0);

      const prepare = log.locator('details[data-section="prepare_executor"]');
      expect(await prepare.getAttribute('open')).not.toBeNull();
      await prepare.locator('summary').click();
      expect(await prepare.getAttribute('open')).toBeNull();
      expect(await prepare.locator('.line').first().isVisible()).toBe(false);

      await patch(Buffer.byteLength(FIRST), SECOND);
      const live = log.locator('details[data-section="step_script"] .line', {
        hasText: 'live line after the page was loaded',
      });
      await live.waitFor({ timeout: 10_000 });
      expect(await live.locator('span.term-fg-yellow').count()).toBe(1);
      await page.screenshot({ path: join(IMAGES, 'coordinator-job-log.png'), fullPage: true });

      const put = await runnerCall(`/jobs/${job.id}`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ token: job.token, state: 'success' }),
      });
      expect(put.status).toBe(200);
      await page.locator('#job-status.status-success').waitFor({ timeout: 10_000 });
      expect(await log.innerText()).toContain('Job succeeded');
      expect(await page.locator('#live').count()).toBe(0);
      expect(await page.content()).not.toContain(job.token);
      await page.close();
    });
  },
);
