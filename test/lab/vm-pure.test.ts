/**
 * The booted tier's pure parts: the QEMU command line (the network stays on this machine), the
 * screen codec and measures, the image's cache key, the test portal's page.
 */
import { describe, expect, it } from 'vitest';
import { bootedPackage } from '../../src/lab/booted.js';
import { IMAGE_RECIPE, imageKey } from '../../src/lab/vm/image.js';
import { portalPage, PORTAL_COLOUR, PORTAL_TITLE } from '../../src/lab/vm/portal.js';
import { GUEST_NET, qemuArgs, type QemuPlan } from '../../src/lab/vm/qemu-args.js';
import { colourShare, dominantColour, parsePpm, pngToRgb, rgbToPng } from '../../src/lab/vm/screen.js';
import type { BootedDevice } from '../../src/lab/vm/vm.js';

const plan: QemuPlan = {
  accel: 'tcg',
  kernel: '/c/vmlinuz',
  initrd: '/c/initrd.img',
  rootLabel: 'jfleet-root',
  disk: '/r/disk.qcow2',
  memoryMiB: 2048,
  sshPort: 40022,
  forwards: [
    { guestAddress: '198.18.0.100', guestPort: 3142, hostPort: 13142 },
    { guestAddress: '198.18.0.101', guestPort: 80, hostPort: 41000 },
  ],
  monitorSocket: '/r/monitor.sock',
  serialLog: '/r/serial.log',
};

function arg(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('the QEMU command line', () => {
  it('uses the restricted user network on 198.18.0.0/24, SSH in from 127.0.0.1 only, guestfwd to loopback only', () => {
    const args = qemuArgs(plan);
    const [net] = arg(args, '-netdev');
    const parts = (net ?? '').split(',');
    expect(parts).toContain('restrict=on');
    expect(parts).toContain(`net=${GUEST_NET}`);
    expect(GUEST_NET).toBe('198.18.0.0/24');
    expect(parts.filter((p) => p.startsWith('hostfwd='))).toEqual(['hostfwd=tcp:127.0.0.1:40022-:22']);
    expect(parts.filter((p) => p.startsWith('guestfwd='))).toEqual([
      'guestfwd=tcp:198.18.0.100:3142-cmd:socat -lf /dev/null - TCP:127.0.0.1:13142',
      'guestfwd=tcp:198.18.0.101:80-cmd:socat -lf /dev/null - TCP:127.0.0.1:41000',
    ]);
    // no other address of any kind on the line
    const addresses = (net ?? '').match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? [];
    expect(addresses.every((a) => a.startsWith('127.') || a.startsWith('198.18.0.'))).toBe(true);
  });

  it('TCG with two threads unless KVM was chosen; no window; a monitor socket and a serial log', () => {
    expect(arg(qemuArgs(plan), '-accel')).toEqual(['tcg,thread=multi']);
    expect(arg(qemuArgs({ ...plan, accel: 'kvm' }), '-accel')).toEqual(['kvm']);
    const args = qemuArgs(plan);
    expect(arg(args, '-smp')).toEqual(['2']);
    expect(arg(args, '-display')).toEqual(['none']);
    expect(arg(args, '-device')).toContain('virtio-vga');
    expect(arg(args, '-monitor')).toEqual(['unix:/r/monitor.sock,server,nowait']);
    expect(arg(args, '-serial')).toEqual(['file:/r/serial.log']);
    expect(arg(args, '-append')[0]).toContain('root=LABEL=jfleet-root');
  });

  it('refuses a guest forward outside the guest network and a bad port', () => {
    expect(() => qemuArgs({ ...plan, forwards: [{ guestAddress: '10.0.2.100', guestPort: 80, hostPort: 8080 }] })).toThrow(/not in 198\.18\.0\.0\/24/);
    expect(() => qemuArgs({ ...plan, forwards: [{ guestAddress: '198.18.0.100', guestPort: 0, hostPort: 8080 }] })).toThrow(/bad port/);
  });
});

function ppm(width: number, height: number, pixel: (x: number, y: number) => [number, number, number], comment = ''): Uint8Array {
  const head = new TextEncoder().encode(`P6\n${comment ? `# ${comment}\n` : ''}${width} ${height}\n255\n`);
  const body = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      body.set([r, g, b], (y * width + x) * 3);
    }
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

describe('the screen', () => {
  it('a PPM as QEMU writes it becomes the same pixels in a PNG', () => {
    const src = ppm(40, 30, (x, y) => (x < 30 ? [0x1f, 0x7a, 0x4d] : [x, y, 7]), 'qemu');
    const img = parsePpm(src);
    expect([img.width, img.height]).toEqual([40, 30]);
    const back = pngToRgb(rgbToPng(img));
    expect([back.width, back.height]).toEqual([40, 30]);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('measures how much of the screen one colour covers, and which colour dominates', () => {
    const img = parsePpm(ppm(100, 10, (x) => (x < 93 ? [0x1f, 0x7a, 0x4d] : [0, 0, 0])));
    expect(colourShare(img, PORTAL_COLOUR)).toBeCloseTo(0.93, 5);
    expect(colourShare(img, '#000000')).toBeCloseTo(0.07, 5);
    expect(dominantColour(img)).toEqual({ hex: PORTAL_COLOUR, share: 0.93 });
    // within the tolerance (a renderer's dithering), not beyond it
    const near = parsePpm(ppm(10, 10, () => [0x1f + 5, 0x7a - 5, 0x4d]));
    expect(colourShare(near, PORTAL_COLOUR)).toBe(1);
    const far = parsePpm(ppm(10, 10, () => [0x1f + 20, 0x7a, 0x4d]));
    expect(colourShare(far, PORTAL_COLOUR)).toBe(0);
  });

  it('refuses what is not a binary PPM, or a short one', () => {
    expect(() => parsePpm(new TextEncoder().encode('P3\n1 1\n255\n0 0 0\n'))).toThrow(/not a binary PPM/);
    expect(() => parsePpm(ppm(4, 4, () => [1, 2, 3]).subarray(0, 30))).toThrow(/short/);
  });
});

describe('the image and the portal', () => {
  it('the cache key is stable and covers the recipe (a bare device: no kiosk packages in it)', () => {
    expect(imageKey()).toMatch(/^[0-9a-f]{16}$/);
    expect(imageKey()).toBe(imageKey());
    for (const p of ['chromium', 'cage', 'xwayland', 'polkitd', 'lightdm']) expect(IMAGE_RECIPE.packages).not.toContain(p);
    for (const p of ['systemd-sysv', 'openssh-server', 'linux-image-amd64']) expect(IMAGE_RECIPE.packages).toContain(p);
    expect(IMAGE_RECIPE.sources.every((s) => s.startsWith('deb http://deb.debian.org/'))).toBe(true);
  });

  it('the portal page carries the title and colour the checks look for', () => {
    const html = portalPage();
    expect(html).toContain(`<title>${PORTAL_TITLE}</title>`);
    expect(html).toContain(`background:${PORTAL_COLOUR}`);
  });

  it('the inventory entry pins the host key and names the guest-side proxy and portal', () => {
    const dev = {
      address: '127.0.0.1',
      sshPort: 40022,
      hostKey: 'SHA256:ElH8sytIaBK2hRBL5qfFudMXnnewOmdv64dv5mxnfg8',
      keyFile: '/var/cache/jfleet-lab/vm/abc/lab_ed25519',
      guest: { aptProxyUrl: 'http://198.18.0.100:3142', portalUrl: 'http://198.18.0.101/' },
    } as unknown as BootedDevice;
    const p = bootedPackage(dev, { id: 'kiosk-vm-1', village: '35.09.13.2006', ownKey: true }, new Date('2026-12-02T00:00:00Z'));
    expect(p).toMatchObject({
      address: '127.0.0.1',
      port: 40022,
      user: 'root',
      hostKey: dev.hostKey,
      identityFile: dev.keyFile,
      vars: { apt_proxy: 'http://198.18.0.100:3142', portal_url: 'http://198.18.0.101/' },
    });
    expect(bootedPackage(dev, { id: 'kiosk-vm-1', village: '35.09.13.2006' }).identityFile).toBeUndefined();
  });
});
