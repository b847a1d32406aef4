/**
 * Handler of jfleet demo: the demo composes commands; here we give it its voice (narration
 * lines and colours on stdout, provisioning's progress on stderr) or, with --json, print only
 * its result document.
 */
import type { Context } from '../../context.js';
import { runDemo, type DemoOptions } from '../../demo/demo.js';
import { colors } from '../render/color.js';
import { printJson, println } from '../shared.js';
import { progressLine } from './provision.js';
import { speech } from '../render/speech.js';

export async function demoCommand(ctx: Context, opts: DemoOptions & { json: boolean }): Promise<void> {
  const c = colors(ctx);
  await runDemo(
    ctx,
    { devices: opts.devices, port: opts.port, once: opts.once, kiosk: opts.kiosk },
    {
      say: (line) => {
        if (!opts.json) println(ctx, line);
      },
      speech: speech(ctx),
      bold: c.bold,
      green: c.green,
      // provisioning draws its progress line as `jfleet provision` does, also under --json (stderr)
      provision: progressLine(ctx, true),
      result: (r) => {
        if (opts.json) printJson(ctx, r);
      },
    },
  );
}
