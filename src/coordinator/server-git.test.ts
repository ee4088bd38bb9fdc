import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pushCommit } from '../../test/support/git-push.js';
import { DATA_FILES, startServer } from './server.js';

const root = mkdtempSync(join(tmpdir(), 'dockhand-server-git-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dockhand server: git push', () => {
  it('keeps named projects in bare repositories under DIR/repos and builds pushed commits', async () => {
    const data = join(root, 'data');
    const server = await startServer({
      dataDir: data,
      host: '127.0.0.1',
      port: 0,
      projects: [{ name: 'named' }],
      createOnPush: false,
    });
    try {
      const project = await server.store.findProjectByName('named');
      expect(project?.path).toBe(join(data, DATA_FILES.repos, 'named.git'));
      const admin = readFileSync(server.files.adminToken, 'utf8').trim();
      const push = await pushCommit({
        url: server.url,
        project: 'named',
        token: admin,
        files: { '.gitlab-ci.yml': 'job:\n  script: [echo pushed]\n' },
      });
      expect(push.code, push.stderr).toBe(0);
      expect(push.stderr).not.toContain(admin);
      const [announced] = push.pipelines;
      const pipeline = await server.store.getPipeline(announced?.id ?? 0);
      expect(pipeline).toMatchObject({ sha: push.sha, ref: 'main', status: 'pending' });
      const [job] = await server.store.listPipelineJobs(announced?.id ?? 0);
      expect(job).toMatchObject({ name: 'job', status: 'pending' });
    } finally {
      await server.close();
    }
  });
});
