// One lint configuration for every package (flat config, typescript-eslint).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', 'gateway/playground/**', 'schema/client/generated/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Federation reference resolvers and type-graphql's `Function` types need these.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
