import type { Socket } from 'node:net';
import type { AttachedStreams, OutputSink } from '../container-types.js';
import { StreamDemuxer } from '../demux.js';
import { segment, type ApiClient } from './api-client.js';

function attachedStreams(socket: Socket, head: Buffer, sink: OutputSink): AttachedStreams {
  const demuxer = new StreamDemuxer(sink);
  // Output that arrived in the same packet as the 101 answer.
  if (head.length > 0) demuxer.push(head);
  const ended = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => demuxer.push(chunk));
    // The engine closes its side when the process's output ends; a reset after a kill or a
    // removal also ends the session — the exit code comes from wait, not from here.
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      demuxer.flush();
      resolve();
    };
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', finish);
  });
  return {
    ended,
    sendStdin: (data) =>
      new Promise<void>((resolve, reject) => {
        if (socket.destroyed || !socket.writable) {
          resolve();
          return;
        }
        socket.write(data, (error) =>
          error === null || error === undefined ? resolve() : reject(error),
        );
        // Half-close: the shell sees EOF after the script, and StdinOnce closes the container's
        // stdin; the output side stays open until the process ends.
        socket.end();
      }),
    close: () => {
      socket.destroy();
    },
  };
}

/**
 * `POST /containers/{id}/attach` hijacked into a raw duplex socket carrying stdin one way and the
 * multiplexed stdout/stderr frames (non-TTY containers) the other.
 */
export async function attach(
  api: ApiClient,
  id: string,
  sink: OutputSink,
): Promise<AttachedStreams> {
  const { socket, head } = await api.upgrade(`/containers/${segment(id)}/attach`, {
    query: { stream: true, stdin: true, stdout: true, stderr: true },
  });
  // The pool's keep-alive settings do not apply to a hijacked connection; no idle timeout either.
  socket.setTimeout(0);
  return attachedStreams(socket, head, sink);
}
