/**
 * The live log: Server-Sent Events fed by the coordinator's events seam. The stream replays the
 * stored trace up to where the page was rendered (so ANSI state and open sections match the
 * page), then sends rendered ops for every new complete line, status changes, and `end` once
 * the job is over. A trace reset (a runner resending from 0 after a 412) asks the page to reload.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { isFinishedStatus } from '../../../protocol/responses.js';
import type { CoordinatorContext } from '../../app.js';
import type { CoordinatorEvent } from '../../events.js';
import { LogRenderer, type LogOp } from './log-renderer.js';

const PING_MS = 15_000;

/** The page's script: applies ops to the log, follows the bottom, updates the status badge. */
export const LIVE_LOG_SCRIPT = `(() => {
  const log = document.getElementById('log');
  if (!log || log.dataset.live !== 'true') return;
  const badge = document.getElementById('job-status');
  const live = document.getElementById('live');
  const stack = [log, ...log.querySelectorAll('details[data-open]')];
  const atBottom = () => window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
  const source = new EventSource('/jobs/' + log.dataset.job + '/stream?from=' + log.dataset.from);
  source.addEventListener('ops', (event) => {
    const follow = atBottom();
    for (const op of JSON.parse(event.data)) {
      const top = stack[stack.length - 1];
      if (op.op === 'line') {
        const line = document.createElement('div');
        line.className = 'line';
        line.innerHTML = op.html || '\\u200b';
        top.appendChild(line);
      } else if (op.op === 'open') {
        const section = document.createElement('details');
        section.className = 'section';
        section.open = !op.collapsed;
        section.dataset.section = op.name;
        const summary = document.createElement('summary');
        summary.innerHTML = op.header;
        section.appendChild(summary);
        top.appendChild(section);
        stack.push(section);
      } else if (op.op === 'close' && stack.length > 1) {
        stack.pop().removeAttribute('data-open');
      }
    }
    if (follow) window.scrollTo(0, document.body.scrollHeight);
  });
  source.addEventListener('status', (event) => {
    badge.textContent = event.data;
    badge.className = 'badge status-' + event.data;
  });
  source.addEventListener('end', () => {
    source.close();
    log.dataset.live = 'false';
    if (live) live.remove();
  });
  source.addEventListener('reload', () => location.reload());
})();`;

/** Events for one job, queued until the stream writes them. */
class JobEvents {
  private readonly queue: CoordinatorEvent[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly jobId: number) {}

  readonly listener = (event: CoordinatorEvent): void => {
    if (event.kind === 'pipeline' || event.jobId !== this.jobId) return;
    this.queue.push(event);
    this.wake?.();
  };

  /** The next event, or undefined after `ms` without one. */
  async next(ms: number): Promise<CoordinatorEvent | undefined> {
    const queued = this.queue.shift();
    if (queued !== undefined) return queued;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
    return this.queue.shift();
  }
}

async function sendOps(stream: SSEStreamingApi, ops: readonly LogOp[]): Promise<void> {
  if (ops.length > 0) await stream.writeSSE({ event: 'ops', data: JSON.stringify(ops) });
}

export function liveLog(ctx: CoordinatorContext, c: Context, jobId: number): Response {
  const requested = Number(c.req.query('from') ?? '0');
  return streamSSE(c, async (stream) => {
    const events = new JobEvents(jobId);
    const unsubscribe = ctx.events.subscribe(events.listener);
    stream.onAbort(unsubscribe);
    try {
      const job = await ctx.store.getJob(jobId);
      if (job === undefined) {
        await stream.writeSSE({ event: 'end', data: 'gone' });
        return;
      }
      const renderer = new LogRenderer();
      const stored = await ctx.store.readTrace(jobId);
      const from = Number.isSafeInteger(requested)
        ? Math.min(Math.max(0, requested), stored.length)
        : 0;
      // The page rendered [0, from): render it again silently so the state matches the page.
      renderer.push(stored.subarray(0, from));
      await sendOps(stream, renderer.push(stored.subarray(from)));
      let received = stored.length;
      let status = job.status;
      while (!stream.aborted && !isFinishedStatus(status)) {
        const event = await events.next(PING_MS);
        if (event === undefined) {
          await stream.writeSSE({ event: 'ping', data: '' });
        } else if (event.kind === 'job') {
          status = event.status;
          await stream.writeSSE({ event: 'status', data: status });
        } else if (event.kind === 'trace') {
          if (event.offset === 0 && received > 0) {
            await stream.writeSSE({ event: 'reload', data: '' });
            return;
          }
          const bytes = await newBytes(ctx, jobId, event, received);
          received += bytes.length;
          await sendOps(stream, renderer.push(bytes));
        }
      }
      // Whatever arrived between the last event and the end, then the unfinished last line.
      const rest = (await ctx.store.readTrace(jobId)).subarray(received);
      await sendOps(stream, [...renderer.push(rest), ...renderer.end()]);
      await stream.writeSSE({ event: 'end', data: status });
    } finally {
      unsubscribe();
    }
  });
}

/** The bytes of `event` past `received`; on a gap, what the store holds past it. */
async function newBytes(
  ctx: CoordinatorContext,
  jobId: number,
  event: Extract<CoordinatorEvent, { kind: 'trace' }>,
  received: number,
): Promise<Uint8Array> {
  const end = event.offset + event.bytes.length;
  if (end <= received) return new Uint8Array(0);
  if (event.offset <= received) return event.bytes.subarray(received - event.offset);
  return (await ctx.store.readTrace(jobId)).subarray(received);
}
