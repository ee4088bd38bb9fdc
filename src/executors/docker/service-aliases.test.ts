import { describe, expect, it } from 'vitest';
import {
  defaultServiceAliases,
  parseAliasList,
  planServiceAliases,
  serviceSlug,
} from './service-aliases.js';

describe('defaultServiceAliases (GitLab)', () => {
  it.each([
    ['docker:dind', ['docker']],
    ['postgres:15', ['postgres']],
    ['service', ['service']],
    ['namespace/service:version', ['namespace__service', 'namespace-service']],
    ['valkey/valkey:latest', ['valkey__valkey', 'valkey-valkey']],
    ['registry.example.com:4999/a/b', ['registry.example.com__a__b', 'registry.example.com-a-b']],
    [
      'registry.example.com:4999/a/b:1.0',
      ['registry.example.com__a__b', 'registry.example.com-a-b'],
    ],
    ['postgres@sha256:0123', ['postgres']],
    ['domain.tld/service:version', ['domain.tld__service', 'domain.tld-service']],
  ])('%s → %j', (image, aliases) => {
    expect(defaultServiceAliases(image)).toEqual(aliases);
  });
});

describe('aliases', () => {
  it('splits custom aliases on commas and spaces', () => {
    expect(parseAliasList('a, b  c,d')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseAliasList(undefined)).toEqual([]);
  });
  it('keeps defaults and custom aliases and skips duplicates of earlier services', () => {
    expect(
      planServiceAliases([
        { name: 'docker:dind', alias: 'docker-in-docker' },
        { name: 'docker:dind', alias: 'dind2, docker-in-docker' },
      ]),
    ).toEqual([
      { aliases: ['docker', 'docker-in-docker'], duplicates: [] },
      { aliases: ['dind2'], duplicates: ['docker', 'docker-in-docker'] },
    ]);
  });
  it('slugs images for container names', () => {
    expect(serviceSlug('docker:dind')).toBe('docker__dind');
    expect(serviceSlug('registry:5000/a/b:1')).toBe('registry__5000__a__b__1');
  });
});
