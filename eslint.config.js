// @ts-check
import js from '@eslint/js';
import sonarjs from 'eslint-plugin-sonarjs';
import tseslint from 'typescript-eslint';

/**
 * Import boundaries from shared/design/architecture.md §7.1. Each entry lists the top-level
 * folders under src/ that a folder must not reach into. Imports inside src/ are relative, so a
 * forbidden folder shows up as `../` (one or more) followed by its name.
 */
const forbidden = {
  core: [
    'config',
    'pipeline',
    'protocol',
    'script',
    'engine',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'images',
    'git',
  ],
  config: [
    'pipeline',
    'protocol',
    'script',
    'engine',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'images',
    'git',
  ],
  pipeline: [
    'config',
    'script',
    'engine',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'images',
    'git',
  ],
  protocol: [
    'config',
    'pipeline',
    'script',
    'engine',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'images',
    'git',
  ],
  script: [
    'config',
    'pipeline',
    'engine',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'images',
    'git',
  ],
  engine: [
    'config',
    'pipeline',
    'script',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'images',
    'git',
  ],
  executors: ['pipeline', 'api', 'runner', 'coordinator', 'cli', 'images'],
  api: [
    'config',
    'pipeline',
    'script',
    'engine',
    'executors',
    'runner',
    'coordinator',
    'cli',
    'images',
    'git',
  ],
  runner: ['pipeline', 'engine', 'coordinator', 'cli', 'images'],
  coordinator: ['config', 'script', 'engine', 'executors', 'api', 'runner', 'cli', 'images'],
  images: [
    'config',
    'pipeline',
    'protocol',
    'script',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'git',
  ],
  audit: [
    'pipeline',
    'protocol',
    'script',
    'engine',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'images',
    'git',
  ],
  git: [
    'config',
    'pipeline',
    'protocol',
    'script',
    'engine',
    'executors',
    'api',
    'runner',
    'coordinator',
    'cli',
    'images',
  ],
};

const pureFolders = ['core', 'config', 'pipeline', 'protocol', 'script', 'audit'];
const ioModules = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'dgram', 'os'];

/** @param {string[]} folders */
const folderPattern = (folders) => ({
  regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`,
  message: 'This import crosses a layer boundary (see shared/design/architecture.md §7.1).',
});

export default tseslint.config(
  { ignores: ['dist/**', 'dist-check/**', 'node_modules/**', 'coverage/**', '.dockhand/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { sonarjs },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'sonarjs/cognitive-complexity': ['error', 15],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
  {
    // Tool configuration files must default-export: that is how their tools load them.
    files: ['*.config.js', '*.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'sonarjs/cognitive-complexity': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...Object.entries(forbidden).map(([folder, banned]) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            folderPattern(banned),
            ...(pureFolders.includes(folder)
              ? [
                  {
                    regex: `^(node:)?(${ioModules.join('|')})$`,
                    message: `src/${folder} is pure: no I/O modules.`,
                  },
                ]
              : []),
          ],
        },
      ],
      ...(pureFolders.includes(folder)
        ? {
            'no-restricted-properties': [
              'error',
              {
                object: 'process',
                property: 'env',
                message: 'Pure modules take values, not the environment.',
              },
              { object: 'process', property: 'exit', message: 'Only src/cli/main.ts exits.' },
            ],
            'no-console': 'error',
          }
        : {}),
    },
  })),
  {
    // executors/machine wraps *a* provider: it must not reach into docker internals.
    files: ['src/executors/machine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            folderPattern(forbidden.executors),
            {
              regex: '^\\.\\./docker/',
              message: 'machine decorates a provider; do not import docker internals.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read fixtures and start processes; boundaries bind shipped code only.
    files: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': 'off',
      'no-restricted-properties': 'off',
      'no-console': 'off',
    },
  },
);
