/**
 * Reading PNGs in tests without a decoder package: the size from IHDR, and the pixels (8-bit RGB
 * or RGBA, non-interlaced: what resvg writes) through node:zlib with the five PNG row filters.
 */
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, row by row. */
  rgba: Uint8Array;
}

/** Width and height from the IHDR chunk (bytes 16–23); throws when `png` is not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!buf.subarray(0, 8).equals(SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Uint8Array): DecodedPng {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const { width, height } = pngSize(buf);
  const bitDepth = buf[24]!;
  const colorType = buf[25]!;
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || buf[28] !== 0)
    throw new Error(`unsupported PNG: depth ${bitDepth}, color type ${colorType}`);
  const channels = colorType === 6 ? 4 : 3;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length;) {
    const length = buf.readUInt32BE(at);
    if (buf.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(buf.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? rows[out + x - channels]! : 0;
      const up = y > 0 ? rows[out - stride + x]! : 0;
      const upLeft = x >= channels && y > 0 ? rows[out - stride + x - channels]! : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter]!;
      rows[out + x] = (raw[src + x]! + predictor) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: rows };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < rows.length; i += 3, j += 4) rgba.set([rows[i]!, rows[i + 1]!, rows[i + 2]!, 255], j);
  return { width, height, rgba };
}

/** Variance of the pixels' brightness (0 for a blank image). */
export function brightnessVariance(image: DecodedPng): number {
  const n = image.width * image.height;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < image.rgba.length; i += 4) {
    const v = (image.rgba[i]! + image.rgba[i + 1]! + image.rgba[i + 2]!) / 3;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/** Pixels of `hex` (±`tolerance` per channel) inside the box, as [x, y]. */
export function pixelsOfColor(
  image: DecodedPng,
  hex: string,
  box = { left: 0, top: 0, right: image.width, bottom: image.height },
  tolerance = 3,
): Array<[number, number]> {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  const hits: Array<[number, number]> = [];
  for (let y = Math.max(0, Math.floor(box.top)); y < Math.min(image.height, box.bottom); y++) {
    for (let x = Math.max(0, Math.floor(box.left)); x < Math.min(image.width, box.right); x++) {
      const i = (y * image.width + x) * 4;
      const d = Math.max(Math.abs(image.rgba[i]! - r), Math.abs(image.rgba[i + 1]! - g), Math.abs(image.rgba[i + 2]! - b));
      if (d <= tolerance) hits.push([x, y]);
    }
  }
  return hits;
}
