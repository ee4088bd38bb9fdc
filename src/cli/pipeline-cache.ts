import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncludeResolver } from '../pipeline/includes.js';
import type { ParseInput, ParseResult } from '../pipeline/parse-pipeline.js';
import type { PipelineSource } from './pipeline-files.js';

/**
 * A cache of parsed pipelines (the model before planning) for `dockhand exec`. Parsing needs the
 * YAML library, whose loading alone costs a one-line local job ≈ 10–30 ms; most runs parse the
 * same files as the run before. Only parsing is cached: planning (rules, workflow, variables,
 * `exists`, `changes`) runs on every run, against the current commit and flags.
 *
 * An entry records every input parsing read: the main file's text, each file an `include`
 * asked for (its text, or that it was missing) and, when a wildcard include listed the
 * repository, that listing. It is used only when all of them are unchanged, for the same
 * dockhand build; otherwise the pipeline is parsed again and the entry replaced. Entries whose
 * contents do not match their checksum (truncated, edited) are ignored.
 */
export interface PipelineCacheOptions {
  /** The folder of the entries, `<repository>/.dockhand/parsed`. */
  readonly dir: string;
  /** dockhand's version and build: an entry written by another build is never used. */
  readonly build: string;
}

/** Parses from scratch; the cache calls it on a miss (the CLI imports the parser only then). */
export type ParsePipeline = (input: ParseInput) => ParseResult | Promise<ParseResult>;

/** Bumped when the entry layout changes. */
const FORMAT = 1;

/** The first line of an entry; the second holds the ParseResult as JSON. */
interface EntryHeader {
  readonly format: number;
  readonly build: string;
  readonly file: string;
  /** Include paths parsing asked for, in order. */
  readonly reads: readonly string[];
  /** Whether parsing listed the repository's files (wildcard includes). */
  readonly listed: boolean;
  /** Digest of every input (inputDigest). */
  readonly inputs: string;
  /** sha256 of the second line. */
  readonly body: string;
}

interface Inputs {
  readonly reads: readonly (readonly [string, string | undefined])[];
  readonly listing: readonly string[] | undefined;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** One unambiguous text of all inputs: a missing file (null) differs from an empty one. */
function inputDigest(build: string, source: PipelineSource, inputs: Inputs): string {
  return sha256(
    JSON.stringify([
      FORMAT,
      build,
      source.file,
      source.text,
      inputs.reads.map(([path, text]) => [path, text ?? null]),
      inputs.listing ?? null,
    ]),
  );
}

/** The resolver the parser gets on a miss: answers as `inner` does and remembers what it read. */
function recording(inner: IncludeResolver): { resolver: IncludeResolver; inputs: () => Inputs } {
  const reads: [string, string | undefined][] = [];
  let listing: readonly string[] | undefined;
  return {
    resolver: {
      readFile(path) {
        const text = inner.readFile(path);
        reads.push([path, text]);
        return text;
      },
      listFiles() {
        const files = inner.listFiles();
        listing ??= [...files];
        return files;
      },
    },
    inputs: () => ({ reads, listing }),
  };
}

function entryPath(options: PipelineCacheOptions, file: string): string {
  return join(options.dir, `${sha256(file).slice(0, 16)}.json`);
}

function isHeader(value: unknown): value is EntryHeader {
  if (value === null || typeof value !== 'object') return false;
  const h = value as Record<string, unknown>;
  return (
    h['format'] === FORMAT &&
    typeof h['build'] === 'string' &&
    typeof h['file'] === 'string' &&
    Array.isArray(h['reads']) &&
    h['reads'].every((path) => typeof path === 'string') &&
    typeof h['listed'] === 'boolean' &&
    typeof h['inputs'] === 'string' &&
    typeof h['body'] === 'string'
  );
}

/** The cached result when the entry is intact and every input is as it was; else undefined. */
function lookup(
  source: PipelineSource,
  resolver: IncludeResolver,
  options: PipelineCacheOptions,
): ParseResult | undefined {
  let text: string;
  try {
    text = readFileSync(entryPath(options, source.file), 'utf8');
  } catch {
    return undefined;
  }
  const cut = text.indexOf('\n');
  if (cut < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, cut));
  } catch {
    return undefined;
  }
  if (!isHeader(header) || header.build !== options.build || header.file !== source.file) {
    return undefined;
  }
  // The same questions parsing asked, asked again of the files as they are now.
  const current: Inputs = {
    reads: header.reads.map((path) => [path, resolver.readFile(path)] as const),
    listing: header.listed ? resolver.listFiles() : undefined,
  };
  if (inputDigest(options.build, source, current) !== header.inputs) return undefined;
  const body = text.slice(cut + 1);
  if (sha256(body) !== header.body) return undefined;
  try {
    return JSON.parse(body) as ParseResult;
  } catch {
    return undefined;
  }
}

/** Writes the entry next to its final name, then renames it: readers never see half of it. */
function store(
  source: PipelineSource,
  inputs: Inputs,
  result: ParseResult,
  options: PipelineCacheOptions,
): void {
  const body = JSON.stringify(result);
  const header: EntryHeader = {
    format: FORMAT,
    build: options.build,
    file: source.file,
    reads: inputs.reads.map(([path]) => path),
    listed: inputs.listing !== undefined,
    inputs: inputDigest(options.build, source, inputs),
    body: sha256(body),
  };
  const path = entryPath(options, source.file);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(options.dir, { recursive: true });
    writeFileSync(temporary, `${JSON.stringify(header)}\n${body}`);
    renameSync(temporary, path);
  } catch {
    // A read-only checkout or a full disk: the next run parses again, nothing else changes.
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}

/**
 * The pipeline of `source` as `parse` would return it: from the cache when every input is
 * unchanged, else parsed (and stored when it has no errors; invalid pipelines are reparsed
 * each time so that their errors are reported as the parser words them).
 */
export async function parseWithCache(
  source: PipelineSource,
  resolver: IncludeResolver,
  parse: ParsePipeline,
  options: PipelineCacheOptions,
): Promise<{ readonly result: ParseResult; readonly cached: boolean }> {
  const hit = lookup(source, resolver, options);
  if (hit !== undefined) return { result: hit, cached: true };
  const record = recording(resolver);
  const result = await parse({ file: source.file, text: source.text, includes: record.resolver });
  if (result.pipeline !== undefined && result.errors.length === 0) {
    store(source, record.inputs(), result, options);
  }
  return { result, cached: false };
}
