import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { IncludeResolver } from '../pipeline/index.js';

/**
 * Folders never searched for `include:local` wildcards or `rules:exists`. `.dockhand` is
 * dockhand's own local state (logs, builds holding whole checkouts, caches): never part of the
 * repository GitLab would see, and different after every run.
 */
const SKIP = new Set(['.git', 'node_modules', '.dockhand']);
/** A guard for huge checkouts: wildcard matching stops listing after this many files. */
const MAX_FILES = 100_000;

/** Every file under `root`, relative and `/`-separated (Node 20 has no fs.glob). */
export function listRepositoryFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (out.length >= MAX_FILES) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(path);
      } else if (entry.isFile()) {
        out.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return out.sort();
}

/** The I/O side of includes: reads files under the repository root, never outside it. */
export function fsIncludeResolver(root: string): IncludeResolver {
  let files: string[] | undefined;
  return {
    readFile(path) {
      const full = resolve(root, path.replace(/^\/+/, ''));
      const inside = relative(root, full);
      if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
      try {
        return statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
      } catch {
        return undefined;
      }
    },
    listFiles() {
      files ??= listRepositoryFiles(root);
      return files;
    },
  };
}

export interface PipelineSource {
  readonly root: string;
  /** Relative to root, as messages and CI_CONFIG_PATH show it. */
  readonly file: string;
  readonly text: string;
}

/** Reads the pipeline file; a missing file is a configuration error (exit 2). */
export function readPipelineSource(cwd: string, file = '.gitlab-ci.yml'): PipelineSource {
  const root = resolve(cwd);
  const full = resolve(root, file);
  if (!existsSync(full)) {
    throw new ConfigError('pipeline-missing', `no pipeline file ${file} in ${root}`, {
      hint: 'run dockhand in the repository root, or pass --file',
    });
  }
  const shown = relative(root, full).split(sep).join('/');
  return { root, file: shown.startsWith('..') ? full : shown, text: readFileSync(full, 'utf8') };
}
