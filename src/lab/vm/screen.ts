/**
 * What the guest's screen shows: QEMU's screendump writes a binary PPM (P6); we turn it into a
 * PNG with pngjs (pure JS, no native build, the PNG codec most of npm uses) and measure it.
 * Pure: bytes in, bytes or numbers out.
 */
import { PNG } from 'pngjs';

export interface Rgb {
  width: number;
  height: number;
  /** width * height * 3 bytes, row by row */
  data: Uint8Array;
}

/** Parse a binary PPM (P6, maxval 255) as QEMU writes it. */
export function parsePpm(buf: Uint8Array): Rgb {
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos] ?? 0))) pos++;
      if (buf[pos] === 0x23) {
        while (pos < buf.length && buf[pos] !== 0x0a) pos++;
        continue;
      }
      break;
    }
    const start = pos;
    while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos] ?? 0))) pos++;
    return new TextDecoder().decode(buf.subarray(start, pos));
  };
  const magic = token();
  if (magic !== 'P6') throw new Error(`not a binary PPM (magic ${JSON.stringify(magic)})`);
  const width = Number(token());
  const height = Number(token());
  const max = Number(token());
  if (!(width > 0 && height > 0) || max !== 255) throw new Error(`unsupported PPM header ${width}x${height} max ${max}`);
  pos++; // the one whitespace byte after maxval
  const data = buf.subarray(pos, pos + width * height * 3);
  if (data.length !== width * height * 3) throw new Error(`PPM is short: ${data.length} of ${width * height * 3} bytes`);
  return { width, height, data };
}

export function rgbToPng(img: Rgb): Buffer {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(img.data);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

export function pngToRgb(buf: Uint8Array): Rgb {
  const png = PNG.sync.read(Buffer.from(buf));
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) {
    data[j] = png.data[i] ?? 0;
    data[j + 1] = png.data[i + 1] ?? 0;
    data[j + 2] = png.data[i + 2] ?? 0;
  }
  return { width: png.width, height: png.height, data };
}

/** Share (0-1) of the pixels within `tolerance` (per channel) of colour `hex` ("#rrggbb"). */
export function colourShare(img: Rgb, hex: string, tolerance = 8): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`colour ${hex} is not #rrggbb`);
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => Number.parseInt(h ?? '0', 16)) as [number, number, number];
  let hit = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n * 3; i += 3) {
    if (Math.abs((img.data[i] ?? 0) - r) <= tolerance && Math.abs((img.data[i + 1] ?? 0) - g) <= tolerance && Math.abs((img.data[i + 2] ?? 0) - b) <= tolerance)
      hit++;
  }
  return n ? hit / n : 0;
}

/** The most common colour and its share, for describing what a screen shows. */
export function dominantColour(img: Rgb): { hex: string; share: number } {
  const counts = new Map<number, number>();
  const n = img.width * img.height;
  for (let i = 0; i < n * 3; i += 3) {
    const k = ((img.data[i] ?? 0) << 16) | ((img.data[i + 1] ?? 0) << 8) | (img.data[i + 2] ?? 0);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best = 0;
  let bestN = 0;
  for (const [k, c] of counts)
    if (c > bestN) {
      best = k;
      bestN = c;
    }
  return { hex: `#${best.toString(16).padStart(6, '0')}`, share: n ? bestN / n : 0 };
}
