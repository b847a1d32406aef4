import { defineConfig } from 'vitest/config';

// Three projects: "unit" (pure code, data tables, CLI on the built binary; fast, parallel),
// "lab" (real sshd devices; needs root; runs files one at a time so labs do not fight for 2 cores)
// and "vm" (a booted Debian machine under QEMU provisioned into a real kiosk; root; one at a time).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.lab.test.ts', 'test/**/*.vm.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/**/*.lab.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'vm',
          include: ['test/**/*.vm.test.ts'],
          // a check waits for a kiosk to come back (up to minutes under TCG); setup builds the
          // image when the machine has none cached, boots, provisions and reboots (the file's
          // beforeAll sets its own bound)
          testTimeout: 600_000,
          hookTimeout: 3_000_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
