/**
 * The coordinator's HTTP application: a Hono app built from injected dependencies, so tests
 * drive it with `app.request()` and the server command wires real ones (./server.ts).
 */
import { Hono } from 'hono';
import { API_V4 } from '../protocol/responses.js';
import type { ArtifactStorage } from './artifact-storage.js';
import type { Clock } from './clock.js';
import { CoordinatorEvents } from './events.js';
import { QueueSignal } from './queue-signal.js';
import type { PipelineTrigger } from './pipeline-trigger.js';
import { adminRoutes } from './routes/admin-api.js';
import { gitHttpRoutes, type GitHttpOptions } from './routes/git-http.js';
import { artifactRoutes } from './routes/runner-api/artifacts.js';
import { jobRequestRoutes } from './routes/runner-api/job-request.js';
import { jobUpdateRoutes } from './routes/runner-api/job-update.js';
import { runnerRoutes } from './routes/runner-api/runners.js';
import { traceRoutes } from './routes/runner-api/trace.js';
import { uiRoutes } from './routes/ui/ui-routes.js';
import { registryTokenRoutes, type RegistryTokenConfig } from './registry-tokens.js';
import { Scheduler } from './scheduler.js';
import type { Store } from './store/store.js';

export interface CoordinatorOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly artifacts: ArtifactStorage;
  /** Digest of the registration token; undefined: registration tokens disabled (410). */
  readonly registrationTokenHash?: string;
  /** Digest of the admin token for /api/dockhand; undefined: the admin API answers 403. */
  readonly adminTokenHash?: string;
  /** Builds pipelines for `trigger`; undefined: the admin API cannot create pipelines. */
  readonly pipelines?: PipelineTrigger;
  /** Longest hold of a job request (GitLab/Workhorse: ~50 s). Default 20 s. */
  readonly pollHoldMs?: number;
  /** Seconds sent in X-GitLab-Trace-Update-Interval. Default 3. */
  readonly traceUpdateIntervalS?: number;
  /** A running job silent this long fails with runner_system_failure. Default 10 min. */
  readonly lostRunnerAfterMs?: number;
  /** Largest artifact upload. Default 100 MiB. */
  readonly maxArtifactBytes?: number;
  /** Signs per-job registry tokens at /jwt/auth; undefined: no token realm (404). */
  readonly registryTokens?: RegistryTokenConfig;
  /** Serves projects' repositories over git smart HTTP; undefined: not served (404). */
  readonly git?: GitHttpOptions;
}

/** What the runner-api routes share. */
export interface CoordinatorContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly artifacts: ArtifactStorage;
  readonly scheduler: Scheduler;
  readonly signal: QueueSignal;
  readonly events: CoordinatorEvents;
  readonly registrationTokenHash: string | undefined;
  readonly adminTokenHash: string | undefined;
  readonly pipelines: PipelineTrigger | undefined;
  readonly pollHoldMs: number;
  readonly traceUpdateIntervalS: number;
  readonly maxArtifactBytes: number;
}

export interface Coordinator {
  readonly app: Hono;
  readonly scheduler: Scheduler;
  readonly signal: QueueSignal;
  /** Subscribe here for live traces and status changes (the web page's seam). */
  readonly events: CoordinatorEvents;
}

export function createCoordinatorApp(options: CoordinatorOptions): Coordinator {
  const signal = new QueueSignal();
  const events = new CoordinatorEvents();
  const scheduler = new Scheduler({
    store: options.store,
    clock: options.clock,
    signal,
    events,
    lostAfterMs: options.lostRunnerAfterMs ?? 10 * 60 * 1000,
  });
  const ctx: CoordinatorContext = {
    store: options.store,
    clock: options.clock,
    artifacts: options.artifacts,
    scheduler,
    signal,
    events,
    registrationTokenHash: options.registrationTokenHash,
    adminTokenHash: options.adminTokenHash,
    pipelines: options.pipelines,
    pollHoldMs: options.pollHoldMs ?? 20_000,
    traceUpdateIntervalS: options.traceUpdateIntervalS ?? 3,
    maxArtifactBytes: options.maxArtifactBytes ?? 100 * 1024 * 1024,
  };
  const app = new Hono();
  app.route(API_V4, runnerRoutes(ctx));
  app.route(API_V4, jobRequestRoutes(ctx));
  app.route(API_V4, traceRoutes(ctx));
  app.route(API_V4, jobUpdateRoutes(ctx));
  app.route(API_V4, artifactRoutes(ctx));
  app.route('/api/dockhand/v1', adminRoutes(ctx));
  if (options.registryTokens !== undefined) {
    app.route(
      '/',
      registryTokenRoutes({
        store: options.store,
        clock: options.clock,
        config: options.registryTokens,
        projectPathOf: (job) => job.payload.job_info.project_full_path,
      }),
    );
  }
  if (options.git !== undefined) app.route('/', gitHttpRoutes(ctx, options.git));
  app.route('/', uiRoutes(ctx));
  app.notFound((c) => c.json({ message: '404 Not Found' }, 404));
  // Never echo the error: it may hold a request's token. The operator log is the server's job.
  app.onError((_error, c) => c.json({ message: '500 Internal Server Error' }, 500));
  return { app, scheduler, signal, events };
}
