import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two files at a time on 2 cores: the end-to-end files mostly wait on real time (Prometheus
    // evaluating every second), so the suite takes ~5 min instead of ~9 one file at a time.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
  },
});
