// Type-aware lint with layer boundaries: lower layers never import higher ones.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Bottom-up order of the layers under src/. A module may import from its own layer and below.
const layers = [
  ['errors.ts', 'registry', 'wire'],
  ['crypto'],
  ['messages', 'extensions'],
  ['record', 'keyschedule', 'x509'],
  ['handshake'],
  ['connection', 'trace', 'fingerprint', 'session'],
  ['core.ts'],
  ['node'],
  ['cli'],
];
const above = (i) => layers.slice(i + 1).flat();
const boundary = layers.flatMap((group, i) =>
  group.map((dir) => ({
    files: [dir.endsWith('.ts') ? `src/${dir}` : `src/${dir}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: above(i).map((up) => ({
            group: [`**/${up.replace(/\.ts$/, '.js')}`, `**/${up.replace(/\.ts$/, '')}/**`],
            message: `layer boundary: src/${dir} must not import the higher layer src/${up}`,
          })),
        },
      ],
    },
  })),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/**', 'web/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unified-signatures': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  ...boundary,
);
