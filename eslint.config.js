import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import boundaries from './scripts/eslint/package-boundaries.mjs';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.types/**', '**/coverage/**', '**/storybook-static/**', 'examples/readme/.run/**', 'test-artifacts/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    plugins: { insforge: boundaries },
    rules: {
      // Another package is imported by its name and exports, never by a relative path into it.
      'insforge/package-boundaries': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['packages/ai-react/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests assert on values they just checked; `!` there reads better than a guard per line.
    files: ['**/*.test.ts', '**/*.test.tsx', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The React package's core must stay framework-free (TanStack Query's split): no React in src/core.
    files: ['packages/ai-react/src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'react', message: 'src/core is framework-free; React belongs in src/react.' },
            { name: 'react-dom', message: 'src/core is framework-free; React belongs in src/react.' },
          ],
          patterns: [{ group: ['react/*', 'react-dom/*'], message: 'src/core is framework-free.' }],
        },
      ],
    },
  },
);
