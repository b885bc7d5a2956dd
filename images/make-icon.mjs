// Draws the extension's icon (a key vault: a blue tile with a white keyhole) as PNG files, with no
// image library: pixels computed here, written with zlib. Run once; the PNGs are committed.
//   node images/make-icon.mjs   -> images/icon.png (128 px, extension) and images/task-icon.png (32 px, task)
import { writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

/** RGBA of the pixel at (x, y) in a unit square, 4x4 supersampled by the caller. */
function shade(x, y) {
  const r = 0.18; // corner radius of the tile
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) return [0, 0, 0, 0];
  const hole = (x - 0.5) ** 2 + (y - 0.4) ** 2 < 0.13 ** 2;
  const slot = Math.abs(x - 0.5) < 0.055 + (y - 0.4) * 0.12 && y > 0.4 && y < 0.74;
  if (hole || slot) return [255, 255, 255, 255];
  return [0, 120, 212, 255];
}

function png(size) {
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          const c = shade((px + (sx + 0.5) / 4) / size, (py + (sy + 0.5) / 4) / size);
          // Premultiplied, so that edge pixels blend toward transparent, not toward black.
          for (let i = 0; i < 3; i++) sum[i] += (c[i] * c[3]) / 255;
          sum[3] += c[3];
        }
      const a = sum[3] / 16;
      for (let i = 0; i < 3; i++)
        row[1 + px * 4 + i] = a ? Math.round(((sum[i] / 16) * 255) / a) : 0;
      row[1 + px * 4 + 3] = Math.round(a);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const dir = import.meta.dirname;
writeFileSync(path.join(dir, "icon.png"), png(128));
writeFileSync(path.join(dir, "task-icon.png"), png(32));
