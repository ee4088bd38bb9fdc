import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.js';

// VM tier: *.vm.test.ts against real QEMU VMs (never mocked). They skip with a reason when
// qemu-system-x86_64 is missing or the VM image is not built (DOCKHAND_BUILD_VM_IMAGE=1 builds
// it first). One file at a time: VMs are heavy on 2 cores.
export default defineConfig({
  test: {
    include: ['src/**/*.vm.test.ts', 'test/**/*.vm.test.ts'],
    reporters: ['default', new SummaryReporter('vm')],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
