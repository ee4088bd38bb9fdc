/**
 * Where artifact archives live: files under the data directory by default, memory in tests.
 * The store keeps only their metadata, so moving archives to object storage later changes
 * this seam alone.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ArtifactStorage {
  put(jobId: number, data: Uint8Array): Promise<void>;
  /** Undefined when there is none. */
  get(jobId: number): Promise<Uint8Array | undefined>;
}

export function memoryArtifactStorage(): ArtifactStorage {
  const blobs = new Map<number, Uint8Array>();
  return {
    put: (jobId, data) => Promise.resolve(void blobs.set(jobId, data.slice())),
    get: (jobId) => Promise.resolve(blobs.get(jobId)),
  };
}

/** `<dir>/<job id>.bin`; written to a temporary name first so a reader never sees half a file. */
export function diskArtifactStorage(dir: string): ArtifactStorage {
  return {
    async put(jobId, data) {
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${jobId}.bin`);
      await writeFile(`${file}.tmp`, data);
      await rename(`${file}.tmp`, file);
    },
    async get(jobId) {
      try {
        return new Uint8Array(await readFile(join(dir, `${jobId}.bin`)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
