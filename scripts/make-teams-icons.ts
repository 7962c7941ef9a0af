// Draws the Teams app icons (teams-app/color.png 192×192, teams-app/outline.png 32×32) and holds
// the little PNG reader/writer the packager and the tests use. No image tools: the icons are
// plain geometry rendered with supersampling and written with zlib, so anyone can regenerate
// them on a bare Node install and review the glyph as code.
//
// Regenerate (from the repository root):
//   npx tsc --target ES2022 --lib ES2022 --module node16 --moduleResolution node16 --strict \
//     --skipLibCheck --types node --outDir dist/scripts scripts/make-teams-icons.ts \
//     && node dist/scripts/make-teams-icons.js
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';

/** Straight (non-premultiplied) RGBA, 4 bytes a pixel, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  interlace: number;
  /** A tRNS chunk gives palette or RGB images transparency without an alpha channel. */
  hasTrnsChunk: boolean;
}

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;
/** Icon background; the manifest's accentColor is the same blue so the tile and icon match. */
export const ICON_BACKGROUND: Rgb = [0x0f, 0x6c, 0xbd];

type Rgb = [number, number, number];

// ---------------------------------------------------------------------------------------------
// The glyph: a phone outline with a key on its screen, in a unit square (y grows downwards).

type Shape = (x: number, y: number) => boolean;

function roundedRect(x0: number, y0: number, x1: number, y1: number, r: number): Shape {
  return (x, y) => {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
}

function circle(cx: number, cy: number, r: number): Shape {
  return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function union(...shapes: Shape[]): Shape {
  return (x, y) => shapes.some((s) => s(x, y));
}

function minus(a: Shape, b: Shape): Shape {
  return (x, y) => a(x, y) && !b(x, y);
}

const STROKE = 0.06;
const phoneBody: Shape = minus(
  roundedRect(0.29, 0.12, 0.71, 0.88, 0.09),
  roundedRect(0.29 + STROKE, 0.12 + STROKE, 0.71 - STROKE, 0.88 - STROKE, 0.09 - STROKE),
);
// Earpiece and home button: detail for the large icon only; at 32 px they blur into the key.
const phone: Shape = union(phoneBody, roundedRect(0.43, 0.2, 0.57, 0.24, 0.02), circle(0.5, 0.8, 0.032));
const key: Shape = union(
  minus(circle(0.5, 0.39, 0.095), circle(0.5, 0.39, 0.045)), // bow
  roundedRect(0.47, 0.47, 0.53, 0.71, 0.01), // shaft
  roundedRect(0.5, 0.6, 0.59, 0.64, 0.01), // teeth
  roundedRect(0.5, 0.67, 0.57, 0.71, 0.01),
);

/** Fraction of a pixel's area inside `shape`, sampled on an n×n grid. */
function coverage(shape: Shape, px: number, py: number, size: number, n = 8): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (shape((px + (i + 0.5) / n) / size, (py + (j + 0.5) / n) / size)) hits++;
    }
  }
  return hits / (n * n);
}

function blend(under: Rgb, over: Rgb, a: number): Rgb {
  return [0, 1, 2].map((k) => Math.round(under[k]! * (1 - a) + over[k]! * a)) as Rgb;
}

/** Full-colour icon: white phone, gold key, on an opaque blue square (Teams rounds the corners). */
export function drawColorIcon(size = COLOR_ICON_SIZE): RgbaImage {
  const data = new Uint8Array(size * size * 4);
  const white: Rgb = [255, 255, 255];
  const gold: Rgb = [0xff, 0xc8, 0x3d];
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const withPhone = blend(ICON_BACKGROUND, white, coverage(phone, px, py, size));
      const rgb = blend(withPhone, gold, coverage(key, px, py, size));
      data.set([...rgb, 255], (py * size + px) * 4);
    }
  }
  return { width: size, height: size, data };
}

/** Outline icon: the same glyph in white on a transparent background; edges fade by alpha only. */
export function drawOutlineIcon(size = OUTLINE_ICON_SIZE): RgbaImage {
  const glyph = union(phoneBody, key);
  const data = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const a = Math.round(coverage(glyph, px, py, size) * 255);
      if (a > 0) data.set([255, 255, 255, a], (py * size + px) * 4);
    }
  }
  return { width: size, height: size, data };
}

// ---------------------------------------------------------------------------------------------
// PNG: enough of the format for 8-bit RGB/RGBA, non-interlaced (what the icons use).

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** Encodes as RGBA (colour type 6) when `alpha`, else RGB (colour type 2, alpha dropped). */
export function encodePng(img: RgbaImage, options: { alpha: boolean }): Buffer {
  const channels = options.alpha ? 4 : 3;
  const stride = img.width * channels;
  const raw = Buffer.alloc((stride + 1) * img.height);
  for (let y = 0; y < img.height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    for (let x = 0; x < img.width; x++) {
      const from = (y * img.width + x) * 4;
      raw.set(img.data.subarray(from, from + channels), y * (stride + 1) + 1 + x * channels);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr.set([8, options.alpha ? 6 : 2, 0, 0, 0], 8);
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

interface Chunk {
  type: string;
  body: Buffer;
}

function readChunks(png: Buffer): Chunk[] {
  if (png.length < SIGNATURE.length || !png.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new Error('not a PNG file (bad signature)');
  }
  const chunks: Chunk[] = [];
  let at = SIGNATURE.length;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > png.length) throw new Error(`PNG chunk ${type} runs past the end of the file`);
    if (crc32(png.subarray(at + 4, at + 8 + length)) !== png.readUInt32BE(at + 8 + length)) {
      throw new Error(`PNG chunk ${type} has a bad CRC`);
    }
    chunks.push({ type, body: png.subarray(at + 8, at + 8 + length) });
    at = end;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR') throw new Error('PNG does not start with an IHDR chunk');
  return chunks;
}

export function readPngHeader(png: Buffer): PngHeader {
  const chunks = readChunks(png);
  const ihdr = chunks[0]!.body;
  return {
    width: ihdr.readUInt32BE(0),
    height: ihdr.readUInt32BE(4),
    bitDepth: ihdr[8]!,
    colorType: ihdr[9]!,
    interlace: ihdr[12]!,
    hasTrnsChunk: chunks.some((c) => c.type === 'tRNS'),
  };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes 8-bit RGB or RGBA, non-interlaced, with any filter; RGB comes back with alpha 255. */
export function decodePng(png: Buffer): PngHeader & { image: RgbaImage } {
  const header = readPngHeader(png);
  const { width, height, bitDepth, colorType, interlace } = header;
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) {
    throw new Error(`unsupported PNG (bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace})`);
  }
  const channels = colorType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(readChunks(png).filter((c) => c.type === 'IDAT').map((c) => c.body)));
  if (raw.length !== (stride + 1) * height) throw new Error('PNG image data has the wrong length');
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? rows[y * stride + i - channels]! : 0;
      const b = y > 0 ? rows[(y - 1) * stride + i]! : 0;
      const c = i >= channels && y > 0 ? rows[(y - 1) * stride + i - channels]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`PNG row ${y} has unknown filter ${filter}`);
      rows[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    data.set(rows.subarray(p * channels, p * channels + channels), p * 4);
    if (channels === 3) data[p * 4 + 3] = 255;
  }
  return { ...header, image: { width, height, data } };
}

/** Writes color.png and outline.png into `dir` (the Teams app folder). */
export function writeTeamsIcons(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'color.png'), encodePng(drawColorIcon(), { alpha: false }));
  writeFileSync(join(dir, 'outline.png'), encodePng(drawOutlineIcon(), { alpha: true }));
}

if (require.main === module) {
  const dir = join(process.cwd(), 'teams-app');
  writeTeamsIcons(dir);
  console.log(`Wrote ${join(dir, 'color.png')} and ${join(dir, 'outline.png')}`);
}
