// Lint rules that guard the architecture: only the host layer (extension.ts, host/, views/, and the
// debug glue) may import 'vscode'; everything else runs in plain Node (language server, CLI, tests).
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'vscode', message: 'The core must run without VS Code: import vscode only in src/extension.ts, src/host/, src/views/ or src/debug/host*.ts.' }],
      patterns: [
        { group: ['vscode-languageclient', 'vscode-languageclient/*'], message: 'The language client belongs to the host layer.' },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'examples/**', 'media/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/extension.ts', 'src/host/**', 'src/views/**', 'src/debug/host*.ts'],
    rules: noVscode,
  },
  {
    // The pure analysis and log engines also stay free of LSP types.
    files: ['src/analysis/**/*.ts', 'src/logs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'analysis/ and logs/ are pure: no vscode.' }],
          patterns: [{ group: ['vscode-languageserver*', 'vscode-languageclient*'], message: 'analysis/ and logs/ are pure: no LSP.' }],
        },
      ],
    },
  },
);
