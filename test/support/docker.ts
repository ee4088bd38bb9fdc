import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { LABELS } from '../../src/core/labels.js';
import { HttpEngine } from '../../src/engine/http-engine.js';
import type { Engine, ManagedResource } from '../../src/engine/engine.js';
import { resolveEndpoint } from '../../src/engine/endpoint.js';

export type EngineProbe =
  | { readonly available: true; readonly engine: HttpEngine }
  | { readonly available: false; readonly reason: string };

let probe: Promise<EngineProbe> | undefined;

/**
 * Finds the test engine once per file. No engine (no socket, connection refused): a skip with a
 * reason. An engine that answers the socket but fails ping or version: an error, so the tier
 * FAILS instead of silently skipping on a broken daemon.
 */
export function engineAvailable(): Promise<EngineProbe> {
  probe ??= (async (): Promise<EngineProbe> => {
    const endpoint = resolveEndpoint({ env: process.env });
    if (endpoint.kind === 'unix' && !existsSync(endpoint.socketPath)) {
      return {
        available: false,
        reason: `no Docker engine: ${endpoint.socketPath} does not exist`,
      };
    }
    const engine = new HttpEngine(endpoint);
    try {
      await engine.ping();
    } catch (error) {
      const text = String((error as Error).cause ?? error);
      if (/ECONNREFUSED|ENOENT|EACCES/.test(text)) {
        return { available: false, reason: `no Docker engine answers: ${text}` };
      }
      throw error;
    }
    await engine.version();
    return { available: true, engine };
  })();
  return probe;
}

const found = await engineAvailable();

/** Like describe, but skipped with the reason when no engine answers. */
export function describeWithEngine(name: string, body: (engine: HttpEngine) => void): void {
  if (!found.available) {
    describe.skip(`${name} (skipped: ${found.reason})`, () => undefined);
    return;
  }
  describe(name, () => body(found.engine));
}

/** Whether a local image exists; tests that need docker:latest / docker:dind skip without it. */
export async function hasImage(engine: Engine, ref: string): Promise<boolean> {
  return (await engine.inspectImage(ref)) !== undefined;
}

/** Everything still carrying a session label: must be empty after each test. */
export function leftovers(engine: Engine, session: string): Promise<ManagedResource[]> {
  return engine.listByLabels([`${LABELS.session}=${session}`]);
}
