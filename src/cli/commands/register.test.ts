import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCoordinatorApp } from '../../coordinator/app.js';
import { memoryArtifactStorage } from '../../coordinator/artifact-storage.js';
import { listen } from '../../coordinator/server.js';
import { createMemoryStore } from '../../coordinator/store/memory-store.js';
import { FakeClock } from '../../coordinator/test-fixtures.js';
import { hashToken } from '../../coordinator/tokens.js';
import type { CliIo } from '../io.js';
import { listCommand, registerCommand, unregisterCommand, verifyCommand } from './register.js';
import {
  appendSection,
  findRunnerSections,
  removeSection,
  runnerSection,
  tomlString,
} from './runners-toml.js';

const dir = mkdtempSync(join(tmpdir(), 'dockhand-register-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    color: false,
    env: {},
    cwd: dir,
    isTty: false,
  };
  return { value, out, err };
}

const ORIGINAL =
  '# my settings\nconcurrent = 4   # keep\n\n[[runners]]\n  name = "old"\n  token = "glrt-old"\n  executor = "shell"\n';

describe('config.toml edits', () => {
  it('appends a section and keeps the original bytes as a prefix', () => {
    const section = runnerSection({
      name: 'a "b"',
      url: 'http://x',
      token: 't',
      executor: 'docker',
      tagList: ['x', 'y'],
      runUntagged: false,
      dockerImage: 'alpine',
    });
    expect(section).toContain('name = "a \\"b\\""');
    expect(section).toContain('tag_list = ["x", "y"]');
    expect(section).toContain('[runners.docker]\n    image = "alpine"');
    const next = appendSection(ORIGINAL.trimEnd(), section);
    expect(next.startsWith(ORIGINAL.trimEnd())).toBe(true);
    expect(tomlString('a\\b\n\u0001')).toBe('"a\\\\b\\n\\u0001"');
  });

  it('finds sections up to the next top-level table and removes one exactly', () => {
    const text = `${ORIGINAL}  [runners.docker]\n    image = "x"\n\n[[runners]]\n  name = "second"\n  token = "glrt-2"\n[session_server]\n  listen_address = "x"\n`;
    const spans = findRunnerSections(text);
    expect(spans.map((s) => [s.name, s.token])).toEqual([
      ['old', 'glrt-old'],
      ['second', 'glrt-2'],
    ]);
    const removed = removeSection(text, spans[1]!);
    expect(removed).toBe(
      `${ORIGINAL}  [runners.docker]\n    image = "x"\n\n[session_server]\n  listen_address = "x"\n`,
    );
  });
});

describe('register / verify / list / unregister against a coordinator', () => {
  it('round-trips through config.toml', async () => {
    const store = createMemoryStore();
    const { app } = createCoordinatorApp({
      store,
      clock: new FakeClock(),
      artifacts: memoryArtifactStorage(),
      registrationTokenHash: hashToken('reg'),
    });
    const server = await listen(app, '127.0.0.1', 0);
    try {
      const config = join(dir, 'config.toml');
      writeFileSync(config, ORIGINAL);
      const a = io();
      const code = await registerCommand.run(
        [
          '--url',
          server.url,
          '--registration-token',
          'reg',
          '--name',
          'ci-1',
          '--tag-list',
          'docker,linux',
          '--docker-image',
          'alpine:3',
          '--config',
          config,
        ],
        a.value,
      );
      expect(code).toBe(0);
      const written = readFileSync(config, 'utf8');
      expect(written.startsWith(ORIGINAL)).toBe(true);
      expect(written).toMatch(/token = "glrt-/);
      expect(a.out.join('') + a.err.join('')).not.toMatch(/glrt-/);
      expect((await store.listRunners())[0]).toMatchObject({
        tags: ['docker', 'linux'],
        runUntagged: false,
      });

      const l = io();
      expect(await listCommand.run(['--config', config], l.value)).toBe(0);
      expect(l.out.join('')).toContain(
        `ci-1  Executor=docker  URL=${server.url}  Tags=docker,linux`,
      );
      expect(l.out.join('')).not.toContain('glrt-');

      const v = io();
      expect(await verifyCommand.run(['--config', config, '--name', 'ci-1'], v.value)).toBe(0);
      expect(v.out.join('')).toBe('ci-1: is valid\n');

      await expect(
        registerCommand.run(
          ['--url', server.url, '--registration-token', 'wrong', '--config', config],
          io().value,
        ),
      ).rejects.toThrow(/rejected the registration token/);

      const u = io();
      expect(await unregisterCommand.run(['--config', config, '--name', 'ci-1'], u.value)).toBe(0);
      expect(readFileSync(config, 'utf8')).toBe(ORIGINAL);
      expect(await store.listRunners()).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});
