import type { Readable } from 'node:stream';
import { EnvironmentError } from '../core/errors.js';
import type { ProgressListener } from './engine.js';

/** One JSON message of the engine's progress streams (pull, build, import). */
export interface ProgressMessage {
  readonly status?: string;
  readonly stream?: string;
  readonly progress?: string;
  readonly id?: string;
  readonly error?: string;
  readonly aux?: { readonly ID?: string };
}

/**
 * Reads a newline-delimited JSON progress stream to its end, forwarding readable lines and
 * failing on the first `error` message (the engine reports build and pull failures in-band,
 * with HTTP 200).
 */
export async function consumeProgress(
  stream: Readable,
  what: string,
  onProgress?: ProgressListener,
): Promise<ProgressMessage[]> {
  const messages: ProgressMessage[] = [];
  let buffer = '';
  for await (const chunk of stream) {
    buffer += (chunk as Buffer).toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line !== '') messages.push(handle(line, what, onProgress));
    }
  }
  if (buffer.trim() !== '') messages.push(handle(buffer.trim(), what, onProgress));
  return messages;
}

function handle(line: string, what: string, onProgress?: ProgressListener): ProgressMessage {
  let message: ProgressMessage;
  try {
    message = JSON.parse(line) as ProgressMessage;
  } catch {
    message = { stream: line };
  }
  if (message.error !== undefined) {
    throw new EnvironmentError('engine.progress-error', `${what} failed: ${message.error.trim()}`);
  }
  const text = (
    message.stream ?? [message.id, message.status, message.progress].filter(Boolean).join(' ')
  ).trimEnd();
  if (text !== '' && onProgress !== undefined) onProgress(text);
  return message;
}
