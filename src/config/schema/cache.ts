import { recognisedOnly, type SectionDecl } from './types.js';

// The distributed cache is not implemented yet: every key is recognised, none honoured. The
// PascalCase spelling is GitLab Runner's and is kept as is.

export const cacheS3Section: SectionDecl = {
  header: '[runners.cache.s3]',
  description: 'S3 (or S3-compatible) distributed cache.',
  keys: recognisedOnly([
    ['ServerAddress', 'string', 'S3 endpoint host[:port].'],
    ['AccessKey', 'string', 'Access key id.'],
    ['SecretKey', 'string', 'Secret access key.'],
    ['SessionToken', 'string', 'Session token for temporary credentials.'],
    ['BucketName', 'string', 'Bucket name.'],
    ['BucketLocation', 'string', 'Bucket region.'],
    ['Insecure', 'boolean', 'Use plain HTTP.'],
    ['AuthenticationType', 'string', 'iam or access-key.'],
    ['ServerSideEncryption', 'string', 'S3, KMS or DSSE-KMS.'],
    ['ServerSideEncryptionKeyID', 'string', 'KMS key id.'],
    ['DualStack', 'boolean', 'Use dual-stack endpoints (default true).'],
    ['Accelerate', 'boolean', 'Use S3 transfer acceleration.'],
    ['PathStyle', 'boolean', 'Use path-style bucket addressing.'],
    ['RoleARN', 'string', 'Role to assume for uploads and downloads.'],
    ['UploadRoleARN', 'string', 'Deprecated: role to assume for uploads.'],
    ['AssumeRoleMaxConcurrency', 'integer', 'Parallel AssumeRole calls (5).'],
  ]),
  children: [],
};

export const cacheGcsSection: SectionDecl = {
  header: '[runners.cache.gcs]',
  description: 'Google Cloud Storage distributed cache.',
  keys: recognisedOnly([
    ['AccessID', 'string', 'Service account id.'],
    ['PrivateKey', 'string', 'Service account private key.'],
    ['CredentialsFile', 'string', 'Path of a credentials JSON file.'],
    ['BucketName', 'string', 'Bucket name.'],
    ['UniverseDomain', 'string', 'Universe domain of the bucket.'],
  ]),
  children: [],
};

export const cacheAzureSection: SectionDecl = {
  header: '[runners.cache.azure]',
  description: 'Azure Blob Storage distributed cache.',
  keys: recognisedOnly([
    ['AccountName', 'string', 'Storage account name.'],
    ['AccountKey', 'string', 'Storage account key.'],
    ['ContainerName', 'string', 'Blob container name.'],
    ['StorageDomain', 'string', 'Storage domain.'],
  ]),
  children: [],
};

export const CACHE_TYPES = ['s3', 'gcs', 'azure'] as const;

export const cacheSection: SectionDecl = {
  header: '[runners.cache]',
  description:
    'Distributed cache. Without Type the cache stays local (cache_dir and volumes). Not honoured by dockhand yet.',
  keys: [
    {
      name: 'Type',
      kind: 'string',
      honoured: false,
      values: ['', ...CACHE_TYPES],
      description: 's3, gcs or azure; unset keeps the cache local.',
    },
    ...recognisedOnly([
      ['Path', 'string', 'Prefix inside the bucket.'],
      ['Shared', 'boolean', 'Share cache objects between runners.'],
      ['MaxUploadedArchiveSize', 'integer', 'Largest cache archive in bytes; 0 is unlimited.'],
    ]),
  ],
  children: [
    { name: 's3', array: false, section: cacheS3Section },
    { name: 'gcs', array: false, section: cacheGcsSection },
    { name: 'azure', array: false, section: cacheAzureSection },
  ],
};
