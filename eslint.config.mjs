import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // The engine is the innermost ring: it knows the store only through the interface in
    // core/store, and nothing of Nest, the adapters or their drivers.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/storage', '**/storage/**', '**/nest', '**/nest/**', '**/peers/**'],
              message: 'src/core depends on nothing outside it: adapters depend on core.',
            },
            {
              group: [
                '@nestjs/*',
                'typeorm',
                'typeorm/*',
                'ioredis',
                'bullmq',
                'bullmq/*',
                '@opentelemetry/*',
              ],
              message: 'src/core is framework- and driver-free: put this in an adapter.',
            },
          ],
        },
      ],
    },
  },
  {
    // Stores are usable without Nest: the module owns their lifecycle and gives them a logger.
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/nest', '**/nest/**', '@nestjs/*'],
              message:
                'src/storage must not depend on Nest: take a StoreLog, let the module close.',
            },
          ],
        },
      ],
    },
  },
  {
    // Optional peers and the layer that needs them are loaded when a feature is configured, not
    // when the package is imported: these two files are where that happens.
    files: ['src/peers/load-peer.ts', 'src/nest/http/load-http-layer.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
