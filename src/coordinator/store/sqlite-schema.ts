/**
 * The embedded store's schema. JSON columns hold lists and the payload: they are read and
 * written whole, never queried into, so JSON keeps the schema small. `user_version` marks the
 * schema generation for future migrations.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS runners (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  tags TEXT NOT NULL,
  run_untagged INTEGER NOT NULL,
  locked INTEGER NOT NULL,
  paused INTEGER NOT NULL,
  access_level TEXT NOT NULL,
  maximum_timeout INTEGER,
  created_at INTEGER NOT NULL,
  contacted_at INTEGER
);
CREATE TABLE IF NOT EXISTS projects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pipelines (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  ref TEXT NOT NULL,
  ref_type TEXT NOT NULL,
  sha TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
  project_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  stage TEXT NOT NULL,
  stage_index INTEGER NOT NULL,
  needs TEXT,
  dependencies TEXT NOT NULL,
  tags TEXT NOT NULL,
  run_when TEXT NOT NULL,
  allow_failure INTEGER NOT NULL,
  status TEXT NOT NULL,
  payload TEXT NOT NULL,
  runner_id INTEGER,
  token_hash TEXT,
  failure_reason TEXT,
  exit_code INTEGER,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  last_seen_at INTEGER,
  trace_size INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, id);
CREATE INDEX IF NOT EXISTS jobs_by_pipeline ON jobs (pipeline_id, id);
CREATE TABLE IF NOT EXISTS trace_chunks (
  job_id INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (job_id, offset)
);
CREATE TABLE IF NOT EXISTS artifacts (
  job_id INTEGER PRIMARY KEY,
  filename TEXT NOT NULL,
  size INTEGER NOT NULL,
  format TEXT NOT NULL,
  type TEXT NOT NULL,
  expire_in TEXT,
  created_at INTEGER NOT NULL
);
`;
