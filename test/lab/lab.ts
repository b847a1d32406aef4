/**
 * The lab fixture for tests: `const lab = useLab(20)` inside a describe (or at file level) brings
 * up a lab of real sshd devices before the file's tests and stops it after them, whether they
 * passed or failed (afterAll runs either way; a crashed run's lab is cleaned by the next startLab,
 * which finds its owner pid gone). Read the lab through `lab()` inside tests.
 *
 *   import { useLab } from '../lab/lab.js';
 *   const lab = useLab(20);
 *   it('...', async () => { const l = lab(); await l.powerOff(l.devices[0].id); ... });
 */
import { afterAll, beforeAll } from 'vitest';
import { startLab, type Lab, type LabOptions } from '../../src/lab/lab.js';

export type { Lab, LabDevice } from '../../src/lab/lab.js';

export function useLab(devices: number, opts: Omit<LabOptions, 'devices'> = {}): () => Lab {
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = await startLab({ devices, ...opts });
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
  }, 60_000);
  return () => {
    if (!lab) throw new Error('the lab is not up (useLab must be called at describe/file level)');
    return lab;
  };
}

export { startLab };
