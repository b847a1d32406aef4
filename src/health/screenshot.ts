/**
 * The kiosk's screen now, as a PNG: grim (wlr-screencopy, which cage offers) run on the device as
 * the kiosk user inside its Wayland session (XDG_RUNTIME_DIR=/run/user/<uid>, the session's
 * WAYLAND_DISPLAY), streamed back base64 over the one SSH exec. A device with no screen to take
 * (a lab stand-in, no display connected, no session) says why instead. The script is bash and
 * reads what it can with builtins; only grim and base64 run.
 */
import { quote } from '../transport/shell.js';
import type { Transport } from '../transport/types.js';

export const SCREENSHOT_SCRIPT = [
  'export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  'r(){ echo "JFLEET-SHOT $*";exit 0;}',
  'U=kiosk;[ -r /etc/jfleet/kiosk.env ]&&while IFS== read k v;do v=${v#[\\"\\\']};v=${v%[\\"\\\']};[ "$k" = KIOSK_USER ]&&U=$v;done </etc/jfleet/kiosk.env',
  '[ -d /run/jfleet-lab ]&&[ -r /run/jfleet-kiosk/stand-in ]&&r stand-in',
  'n=0;c=0;for f in /sys/class/drm/card*-*/status;do [ -r $f ]||continue;n=$((n+1));read v <$f;[ "$v" = connected ]&&c=$((c+1));done',
  '[ $n -gt 0 ]&&[ $c = 0 ]&&r no-display $n',
  'i=$(id -u -- "$U" 2>/dev/null)||r no-user "$U"',
  'R=/run/user/$i;W=;for s in $R/wayland-*;do [ -S "$s" ]&&{ W=${s##*/};break;};done',
  // no DRM at all and no session: nothing could ever show (a session without DRM is cage's headless backend)
  '[ "$W" ]||{ [ -d /sys/class/drm ]||r no-drm;r no-session "$U";}',
  'command -v grim >/dev/null||r no-grim',
  'echo "JFLEET-SHOT png"',
  'runuser -u "$U" -- env XDG_RUNTIME_DIR="$R" WAYLAND_DISPLAY="$W" timeout 20 grim - 2>/dev/null|base64 -w0;echo',
  'echo "JFLEET-SHOT rc=${PIPESTATUS[0]}"',
].join('\n');

export type ScreenshotResult =
  | { ok: true; png: Buffer; width: number; height: number }
  | { ok: false; reason: 'stand-in' | 'no-drm' | 'no-display' | 'no-grim' | 'no-user' | 'no-session' | 'capture'; message: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Pure: what the script printed, as a PNG or the reason there is none. */
export function parseScreenshot(id: string, stdout: string): ScreenshotResult {
  const lines = stdout.split('\n');
  const head = lines.find((l) => l.startsWith('JFLEET-SHOT '));
  if (!head) return { ok: false, reason: 'capture', message: `${id}: the screenshot script printed nothing it understands (is bash installed?)` };
  const [, word = '', arg = ''] = head.split(' ');
  switch (word) {
    case 'stand-in':
      return { ok: false, reason: 'stand-in', message: `${id} runs the lab's stand-in browser: there is no screen to capture` };
    case 'no-drm':
      return { ok: false, reason: 'no-drm', message: `${id} has no display hardware (no /sys/class/drm): there is no screen to capture` };
    case 'no-display':
      return {
        ok: false,
        reason: 'no-display',
        message: `no display connected to ${id} (${arg} connector(s), none connected): check the cable and that the screen is on`,
      };
    case 'no-grim':
      return { ok: false, reason: 'no-grim', message: `${id} has no grim (provision it with the kiosk recipe 2.0.0 or later)` };
    case 'no-user':
      return { ok: false, reason: 'no-user', message: `${id} has no kiosk user ${arg}` };
    case 'no-session':
      return {
        ok: false,
        reason: 'no-session',
        message: `the kiosk session of ${id} is not running (no Wayland display for ${arg}): is jfleet-kiosk.service active?`,
      };
    case 'png':
      break;
    default:
      return { ok: false, reason: 'capture', message: `${id}: unexpected screenshot answer ${JSON.stringify(head.slice(0, 60))}` };
  }
  const at = lines.indexOf(head);
  const rc = lines.slice(at + 1).find((l) => l.startsWith('JFLEET-SHOT rc='));
  const png = Buffer.from((lines[at + 1] ?? '').trim(), 'base64');
  if (rc !== 'JFLEET-SHOT rc=0' || png.length < 24 || !png.subarray(0, 8).equals(PNG_SIGNATURE))
    return { ok: false, reason: 'capture', message: `${id}: grim could not capture the screen (${rc?.slice('JFLEET-SHOT '.length) ?? 'no exit status'})` };
  return { ok: true, png, width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** One exec on an open transport (the PNG of a 1080p screen is a few hundred KiB). */
export async function captureScreen(transport: Transport, id: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ScreenshotResult> {
  const r = await transport.exec(`bash -c ${quote(SCREENSHOT_SCRIPT)}`, { timeoutMs: opts.timeoutMs ?? 40_000, signal: opts.signal });
  return parseScreenshot(id, r.stdout);
}
