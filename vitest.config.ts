import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      // Tiers one after another (projects otherwise run at once): the fault tier's stopped parts
      // and the integration tier's rollouts must not load or share the stack at the same time.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/require-stack.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        // Parts stopped (SIGSTOP) or killed in the middle of real operations: private instances
        // of the stack's programs, or forwarders of the test's own in front of shared parts.
        test: {
          name: 'faults',
          sequence: { groupOrder: 2 },
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/support/require-stack.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
