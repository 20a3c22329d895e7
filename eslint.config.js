import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import { coreBoundaryRule } from './eslint.core-boundary.js';
import { htmlBoundaryRule, withHtmlBoundary } from './eslint.html-boundary.js';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'client/dist/**',
      'dist/**',
      'benchmark-results/**',
      'src/core/static/tsjs-bundle.generated.ts',
      'test/fixtures/next-app/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            'eslint.config.js',
            'eslint.core-boundary.js',
            'eslint.html-boundary.js',
            'bin/*.js',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', URL: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/**'],
    rules: { 'no-restricted-imports': htmlBoundaryRule },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': coreBoundaryRule },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/html/**'],
    rules: { 'no-restricted-imports': withHtmlBoundary(coreBoundaryRule) },
  },
  {
    // Bundled into both edge runtimes: web-standard like core.
    files: ['src/edge/**/*.ts'],
    rules: { 'no-restricted-imports': withHtmlBoundary(coreBoundaryRule) },
  },
  {
    files: ['client/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './client/tsconfig.json', projectService: false },
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
