import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: true,
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.models/**'],
    // Scorer tests build ONNX models and run sessions; a 2-core CI machine needs headroom.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
