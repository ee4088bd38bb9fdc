import { connect, type Socket } from 'node:net';
import { EnvironmentError } from '../../../core/errors.js';

type QmpReply = { return?: unknown; error?: { desc?: string }; event?: string };

/**
 * A minimal QMP client: connect, negotiate capabilities, run commands one at a time. Events are
 * kept so callers can wait for one (e.g. MIGRATION status).
 */
export class QmpClient {
  private buffer = '';
  private waiting: { resolve: (reply: QmpReply) => void; reject: (e: Error) => void } | undefined;
  private readonly events: QmpReply[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('close', () => {
      const waiter = this.waiting;
      this.waiting = undefined;
      waiter?.reject(new Error('QMP connection closed'));
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline = this.buffer.indexOf('\n');
      while (newline >= 0) {
        const line = this.buffer.slice(0, newline).trim();
        this.buffer = this.buffer.slice(newline + 1);
        if (line !== '') this.onMessage(JSON.parse(line) as QmpReply);
        newline = this.buffer.indexOf('\n');
      }
    });
  }

  /** Connects (retrying while QEMU creates the socket) and leaves capability negotiation. */
  static async open(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once('error', reject);
        });
        const client = new QmpClient(socket);
        await client.next(); // greeting
        await client.execute('qmp_capabilities');
        return client;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new EnvironmentError('vm.qmp', `cannot talk to QEMU at ${path}`, { cause: error });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private onMessage(message: QmpReply): void {
    if (message.event !== undefined) {
      this.events.push(message);
      return;
    }
    const waiter = this.waiting;
    this.waiting = undefined;
    waiter?.resolve(message);
  }

  private next(): Promise<QmpReply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const reply = this.next();
    this.socket.write(
      `${JSON.stringify(args === undefined ? { execute: command } : { execute: command, arguments: args })}\n`,
    );
    const message = await reply;
    if (message.error !== undefined) {
      throw new EnvironmentError('vm.qmp', `QEMU ${command} failed: ${message.error.desc ?? ''}`);
    }
    return message.return;
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * After `-incoming`, waits for the saved state to be loaded and lets the VM run: a VM saved
 * while paused comes back paused.
 */
export async function resumeAfterIncoming(qmpSocket: string, timeoutMs = 30_000): Promise<void> {
  const qmp = await QmpClient.open(qmpSocket, timeoutMs);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = ((await qmp.execute('query-status')) as { status?: string }).status;
      if (status === 'running') return;
      if (status === 'paused' || status === 'postmigrate') {
        await qmp.execute('cont');
        return;
      }
      if (Date.now() > deadline) {
        throw new EnvironmentError(
          'vm.restore',
          `the saved VM did not load (status ${status ?? '?'})`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    qmp.close();
  }
}
