/** One log file per device per provisioning run (effects): what was planned, run and why it failed. */
import { appendFileSync } from 'node:fs';

export class DeviceLog {
  constructor(readonly file: string) {}
  line(s: string): void {
    try {
      appendFileSync(this.file, `${new Date().toISOString()} ${s}\n`, { mode: 0o600 });
    } catch {
      /* a log that cannot be written must not fail the device */
    }
  }
}
