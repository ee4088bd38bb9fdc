import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  grantedAccess,
  libtrustKeyId,
  parseScope,
  registryTokenRoutes,
  signRegistryToken,
  type RegistryTokenConfig,
} from './registry-tokens.js';
import { createMemoryStore } from './store/memory-store.js';
import { FakeClock, seedPipeline } from './test-fixtures.js';
import { hashToken } from './tokens.js';

// Expected kid computed independently with
// `openssl pkey -pubin -outform DER | sha256sum | head -c 60 | xxd -r -p | base32 | fold -w4 | paste -sd:`
const PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDRACpUsszy/0ZEAnIjvLybBKW1
owQeqCTHbejkW7MP8RdBxYSzqg0QuktHmMP8h9PXMIZYsvUwrmMZUfuaoKnWZNTV
jm4FWm7jyWgfOF1Ob6iPRozgNO7myNfmpBkmE9dT+qtdZQBAo+GIn253D4xL78MQ
/GKG96RX68cSt0phxwIDAQAB
-----END PUBLIC KEY-----
`;
const PUBLIC_KEY_KID = 'X2H5:Z45J:EDJV:GO4J:EM3V:HJBI:QQ6M:LUOH:XKWO:M62Y:D2OO:KWMI';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const CONFIG: RegistryTokenConfig = {
  privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  service: 'container_registry',
  issuer: 'dockhand',
};

function decode(token: string) {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const parse = (part: string): unknown =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    createPublicKey(CONFIG.privateKeyPem),
    Buffer.from(signature, 'base64url'),
  );
  return {
    header: parse(header) as Record<string, unknown>,
    claims: parse(payload) as Record<string, unknown>,
    valid,
  };
}

describe('libtrustKeyId', () => {
  it('is base32(sha256(DER SPKI)[:30]) in 12 groups of 4', () => {
    expect(libtrustKeyId(PUBLIC_KEY)).toBe(PUBLIC_KEY_KID);
  });

  it('has the documented shape for a private key too', () => {
    expect(libtrustKeyId(CONFIG.privateKeyPem)).toMatch(/^[A-Z2-7]{4}(?::[A-Z2-7]{4}){11}$/);
    expect(libtrustKeyId(CONFIG.privateKeyPem)).toBe(
      libtrustKeyId(createPublicKey(CONFIG.privateKeyPem)),
    );
  });
});

describe('signRegistryToken', () => {
  it('signs RS256 with the kid and the claims distribution checks', () => {
    const access = [{ type: 'repository', name: 'dockhand/demo/app', actions: ['pull', 'push'] }];
    const token = signRegistryToken(CONFIG, { subject: 'gitlab-ci-token', access, now: 1000 });
    const { header, claims, valid } = decode(token);
    expect(valid).toBe(true);
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', kid: libtrustKeyId(CONFIG.privateKeyPem) });
    expect(claims).toMatchObject({
      iss: 'dockhand',
      sub: 'gitlab-ci-token',
      aud: 'container_registry',
      iat: 1000,
      exp: 1300,
      access,
    });
    expect(claims['nbf']).toBeLessThanOrEqual(1000);
    expect(claims['jti']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('scopes', () => {
  it('parses repository scopes', () => {
    expect(parseScope('repository:dockhand/demo/app:push,pull')).toEqual({
      type: 'repository',
      name: 'dockhand/demo/app',
      actions: ['push', 'pull'],
    });
    expect(parseScope('registry:catalog:*')).toEqual({
      type: 'registry',
      name: 'catalog',
      actions: ['*'],
    });
    expect(parseScope('garbage')).toBeUndefined();
  });

  it("grants pull and push on the project's path and below, nothing elsewhere", () => {
    const grant = (scope: string) =>
      grantedAccess('dockhand/demo', parseScope(scope) ?? { type: '', name: '', actions: [] })
        .actions;
    expect(grant('repository:dockhand/demo:push,pull')).toEqual(['push', 'pull']);
    expect(grant('repository:dockhand/demo/sub/app:pull')).toEqual(['pull']);
    expect(grant('repository:dockhand/demo/app:delete,*,push')).toEqual(['push']);
    expect(grant('repository:dockhand/demo-other/app:push,pull')).toEqual([]);
    expect(grant('repository:dockhand/other:push,pull')).toEqual([]);
    expect(grant('repository:dockhand:push,pull')).toEqual([]);
    expect(grant('registry:catalog:*')).toEqual([]);
  });
});

describe('GET /jwt/auth', () => {
  const JOB_TOKEN = 'glcbt-running-job';

  async function setup() {
    const store = createMemoryStore();
    const clock = new FakeClock();
    const { jobs } = await seedPipeline(store, [{ name: 'a' }, { name: 'b' }]);
    const [running, done] = jobs;
    if (running === undefined || done === undefined) throw new Error('seed failed');
    await store.transitionJob(running.id, ['created'], {
      status: 'running',
      tokenHash: hashToken(JOB_TOKEN),
    });
    await store.transitionJob(done.id, ['created'], {
      status: 'success',
      tokenHash: hashToken('glcbt-finished-job'),
    });
    const app = registryTokenRoutes({
      store,
      clock,
      config: CONFIG,
      projectPathOf: () => 'dockhand/demo',
    });
    const get = (query: string, user = 'gitlab-ci-token', password = JOB_TOKEN) =>
      app.request(`/jwt/auth?${query}`, {
        headers: {
          Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
        },
      });
    return { app, get, clock };
  }

  it('issues a token limited to the job project', async () => {
    const { get } = await setup();
    const res = await get(
      'service=container_registry&scope=repository:dockhand/demo/app:push,pull' +
        '&scope=repository:dockhand/other/app:push,pull',
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; expires_in: number };
    expect(body.expires_in).toBe(300);
    const { claims, valid } = decode(body.token);
    expect(valid).toBe(true);
    expect(claims['access']).toEqual([
      { type: 'repository', name: 'dockhand/demo/app', actions: ['push', 'pull'] },
      { type: 'repository', name: 'dockhand/other/app', actions: [] },
    ]);
  });

  it('answers a login (no scope) with an empty access list', async () => {
    const { get } = await setup();
    const res = await get('service=container_registry&account=gitlab-ci-token');
    expect(res.status).toBe(200);
    expect(decode(((await res.json()) as { token: string }).token).claims['access']).toEqual([]);
  });

  it('refuses wrong, finished or missing credentials with 401', async () => {
    const { get, app } = await setup();
    expect((await get('service=container_registry', 'gitlab-ci-token', 'glcbt-nope')).status).toBe(
      401,
    );
    expect(
      (await get('service=container_registry', 'gitlab-ci-token', 'glcbt-finished-job')).status,
    ).toBe(401);
    expect((await get('service=container_registry', 'someone', JOB_TOKEN)).status).toBe(401);
    const anonymous = await app.request('/jwt/auth?service=container_registry');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain(JOB_TOKEN);
  });

  it('does not serve another service', async () => {
    const { get } = await setup();
    expect((await get('service=elsewhere')).status).toBe(404);
  });
});
