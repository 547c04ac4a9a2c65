import { defineConfig } from 'vitest/config';

// dist/ (npm run build) holds compiled copies of src/; no test or bench is looked for there.
const exclude = ['**/node_modules/**', 'dist/**', '.tmp/**', 'out/**'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
  bench: {
    include: ['test/bench/**/*.bench.ts'],
    exclude,
  },
});
