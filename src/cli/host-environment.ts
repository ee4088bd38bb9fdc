import { HttpEngine } from '../engine/http-engine.js';
import type { Engine } from '../engine/engine.js';
import { resolveEndpoint } from '../engine/endpoint.js';
import type { CliIo } from './io.js';

/**
 * What the commands get from the host: the Docker engine named by the environment, and an
 * AbortSignal that fires on the first Ctrl-C or SIGTERM so long operations stop cleanly.
 */
export class DockhandEnvironment {
  private constructor(
    private readonly io: CliIo,
    readonly signal: AbortSignal,
  ) {}

  static fromIo(io: CliIo): DockhandEnvironment {
    const controller = new AbortController();
    const stop = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return new DockhandEnvironment(io, controller.signal);
  }

  /** The engine at config host / DOCKER_HOST / the default socket, checked with a ping. */
  async connectEngine(configHost?: string): Promise<Engine> {
    const engine = new HttpEngine(resolveEndpoint({ configHost, env: this.io.env }));
    await engine.ping(this.signal);
    return engine;
  }
}
