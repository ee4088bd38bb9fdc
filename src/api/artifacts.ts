/**
 * Artifact transfer (shared/reference/gitlab-runner.md §5.6): multipart upload in the `file`
 * field, download of a dependency's archive. Redirects are followed by hand so the JOB-TOKEN
 * header never travels to another origin (object storage gets a signed URL, not our token).
 */
import type { ArtifactFormat } from '../protocol/requests.js';
import { API_V4, HEADER } from '../protocol/responses.js';
import { CoordinatorProtocolError, send, type HttpOptions } from './http.js';
import type { DownloadArtifactsResult, UploadArtifactsResult } from './results.js';

export interface ArtifactUpload {
  readonly data: Blob | Uint8Array;
  /** e.g. `artifacts.zip`. */
  readonly filename: string;
  readonly format?: ArtifactFormat;
  /** `archive`, `junit`, …; default `archive`. */
  readonly type?: string;
  /** e.g. `1 week`. */
  readonly expireIn?: string;
}

export async function uploadArtifacts(
  options: HttpOptions,
  jobId: number,
  jobToken: string,
  upload: ArtifactUpload,
): Promise<UploadArtifactsResult> {
  const query = new URLSearchParams({
    artifact_format: upload.format ?? 'zip',
    artifact_type: upload.type ?? 'archive',
  });
  if (upload.expireIn !== undefined) query.set('expire_in', upload.expireIn);
  const blob = upload.data instanceof Blob ? upload.data : new Blob([upload.data]);
  const response = await send(options, {
    method: 'POST',
    path: `${API_V4}/jobs/${jobId}/artifacts?${query.toString()}`,
    headers: { [HEADER.jobToken]: jobToken },
    body: () => {
      const form = new FormData();
      form.append('file', blob, upload.filename);
      return form;
    },
    timeoutMs: 10 * 60 * 1000,
  });
  await response.body?.cancel().catch(() => undefined);
  switch (response.status) {
    case 201:
    case 200:
      return { kind: 'uploaded' };
    case 413:
      return { kind: 'too-large' };
    case 401:
    case 403:
      return { kind: 'forbidden' };
    case 404:
      return { kind: 'not-found' };
    default:
      throw new CoordinatorProtocolError(
        `POST /jobs/${jobId}/artifacts answered ${response.status}`,
        response.status,
      );
  }
}

function filenameOf(response: Response): string | undefined {
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const match = /filename="?([^";]+)"?/.exec(disposition);
  return match?.[1];
}

export async function downloadArtifacts(
  options: HttpOptions,
  jobId: number,
  jobToken: string,
): Promise<DownloadArtifactsResult> {
  const path = `${API_V4}/jobs/${jobId}/artifacts`;
  const doFetch = options.fetch ?? fetch;
  let response = await send(
    { ...options, fetch: (url, init) => doFetch(url, { ...init, redirect: 'manual' }) },
    { method: 'GET', path, headers: { [HEADER.jobToken]: jobToken }, timeoutMs: 10 * 60 * 1000 },
  );
  const location = response.headers.get('Location');
  if (response.status >= 300 && response.status < 400 && location !== null) {
    await response.body?.cancel().catch(() => undefined);
    const target = new URL(location, options.url);
    const sameOrigin = target.origin === new URL(options.url).origin;
    response = await send(
      { ...options, url: target.origin },
      {
        method: 'GET',
        path: `${target.pathname}${target.search}`,
        headers: sameOrigin ? { [HEADER.jobToken]: jobToken } : {},
      },
    );
  }
  if (response.status === 200) {
    const data = new Uint8Array(await response.arrayBuffer());
    return { kind: 'downloaded', data, filename: filenameOf(response) };
  }
  await response.body?.cancel().catch(() => undefined);
  if (response.status === 401 || response.status === 403) {
    return { kind: 'forbidden', status: response.status };
  }
  if (response.status === 404) return { kind: 'not-found' };
  throw new CoordinatorProtocolError(`GET ${path} answered ${response.status}`, response.status);
}
