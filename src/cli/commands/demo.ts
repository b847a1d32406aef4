import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { jsonOption, positiveInt } from '../shared.js';

/** jfleet demo: the main job end to end on a local simulated fleet and a local central API. */
export function register(program: Command, ctx: Context): void {
  program
    .command('demo')
    .description(
      'run the main job end to end on the embedded default: a local simulated fleet (real sshd devices), registration, provisioning, a sweep and a report to a local central server with its dashboard',
    )
    .option('-n, --devices <n>', 'simulated devices to bring up', positiveInt('--devices'), 12)
    .option('--port <port>', 'port of the local central server (default: any free port)', (v) => Number(v), 0)
    .option('--once', 'stop everything when done instead of serving the dashboard until Ctrl-C')
    .option(
      '--kiosk',
      'add one booted kiosk: a bare Debian 12 machine under QEMU (image built from the mirror on first use, cached in /var/cache/jfleet-lab), provisioned for real into a cage + Chromium kiosk; ends with its screenshot',
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Needs root (the simulated devices are real sshd processes in their own namespaces).
Everything lives under $JFLEET_HOME/demo; a real fleet's config and state are never touched.

Examples:
  $ sudo jfleet demo                 # 12 devices, dashboard served until Ctrl-C
  $ jfleet demo --devices 30 --once  # run, print the summary, clean up
  $ sudo jfleet demo --kiosk --once  # plus one real booted kiosk; ends with its screenshot (about 5-10 min)`,
    )
    .action(async (opts: { devices: number; port: number; once?: boolean; kiosk?: boolean; json?: boolean }) => {
      const { demoCommand } = await import('../handlers/demo.js');
      await demoCommand(ctx, { devices: opts.devices, port: opts.port, once: Boolean(opts.once), kiosk: Boolean(opts.kiosk), json: Boolean(opts.json) });
    });
}
