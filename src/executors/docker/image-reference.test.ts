import { describe, expect, it } from 'vitest';
import {
  canonicalPattern,
  canonicalReference,
  digestPin,
  parseImageReference,
  satisfiesPin,
} from './image-reference.js';

const digest = `sha256:${'c'.repeat(64)}`;

describe('image references', () => {
  it.each([
    ['ruby', 'docker.io/library/ruby'],
    ['ruby:3', 'docker.io/library/ruby:3'],
    ['frank/builder:1', 'docker.io/frank/builder:1'],
    ['docker.io/library/ruby', 'docker.io/library/ruby'],
    ['localhost/app:1', 'localhost/app:1'],
    ['127.0.0.1:5000/a/b:c', '127.0.0.1:5000/a/b:c'],
    [`ruby@${digest}`, `docker.io/library/ruby@${digest}`],
  ])('%s is %s', (reference, canonical) => {
    expect(canonicalReference(reference)).toBe(canonical);
  });

  it('parses registry ports without taking them for tags', () => {
    expect(parseImageReference('reg:5000/a/b')).toEqual({
      registry: 'reg:5000',
      path: 'a/b',
      tag: undefined,
      digest: undefined,
    });
  });

  it('qualifies patterns whose name part is literal only', () => {
    expect(canonicalPattern('ruby:*')).toBe('docker.io/library/ruby:*');
    expect(canonicalPattern('reg:5000/a/*:*')).toBeUndefined();
    expect(canonicalPattern('*')).toBeUndefined();
  });

  it('recognises digest pins and checks RepoDigests against them', () => {
    const pin = digestPin(`reg:5000/frank/builder@${digest}`);
    expect(pin).toEqual({ repository: 'reg:5000/frank/builder', digest });
    expect(digestPin('reg:5000/frank/builder:*')).toBeUndefined();
    expect(satisfiesPin(pin!, [`reg:5000/frank/builder@${digest}`])).toBe(true);
    expect(satisfiesPin(pin!, [`reg:5000/frank/other@${digest}`])).toBe(false);
    expect(satisfiesPin(pin!, [`reg:5000/frank/builder@sha256:${'d'.repeat(64)}`])).toBe(false);
    expect(satisfiesPin(digestPin(`ruby@${digest}`)!, [`ruby@${digest}`])).toBe(true);
  });
});
