// Aircraft symbols: a chevron pointing along the track. `chevron` traces one onto a canvas path
// (up to a few thousand aircraft are drawn that way, one path per colour); `spriteSet`
// pre-renders it for SPRITE_ANGLES headings as pixel offsets and RGBA words, and `blit` writes
// one into a pixel buffer, for the bulk path that draws tens of thousands of aircraft.

/** Headings the sprites are rendered for (every 10°). */
export const SPRITE_ANGLES = 36;

/** Symbol size in CSS pixels (nose to centre): drawn as paths, and as sprites in crowded views. */
export const SYMBOL_SIZE = 6.5;
export const SYMBOL_SIZE_BULK = 4.5;

/** Traces a chevron centred at (x, y), nose along `trkDeg`, onto `path`. */
export function chevron(path, x, y, trkDeg, size) {
  const a = ((trkDeg || 0) * Math.PI) / 180;
  const sin = Math.sin(a);
  const cos = Math.cos(a);
  // Nose, right wing, tail notch, left wing.
  path.moveTo(x + sin * size, y - cos * size);
  path.lineTo(x + cos * size * 0.7 - sin * size * 0.8, y + sin * size * 0.7 + cos * size * 0.8);
  path.lineTo(x - sin * size * 0.35, y + cos * size * 0.35);
  path.lineTo(x - cos * size * 0.7 - sin * size * 0.8, y - sin * size * 0.7 + cos * size * 0.8);
  path.closePath();
}

/**
 * Index of the sprite closest to a track angle (any angle, normalised). Integer remainders only:
 * a floating-point `%` is a library call, and this runs for every aircraft in every frame.
 */
export function spriteIndex(trkDeg) {
  const k = Math.round((trkDeg || 0) / (360 / SPRITE_ANGLES)) % SPRITE_ANGLES;
  return k < 0 ? k + SPRITE_ANGLES : k + 0;
}

const cache = new Map();

/**
 * Chevron sprites of one colour and size (CSS pixels) at a device pixel ratio: for each of
 * SPRITE_ANGLES headings, `{offs, words, reach}` — pixel offsets from the centre (x, y pairs),
 * the pixel as a little-endian RGBA word (ImageData bytes read as Uint32), and the largest
 * offset. Cached.
 */
export function spriteSet(colour, size, dpr) {
  const key = `${colour}|${size}|${dpr}`;
  let set = cache.get(key);
  if (set) return set;
  set = [];
  const px = size * dpr;
  const dim = Math.ceil(px * 2 + 4);
  const c = new OffscreenCanvas(dim, dim);
  const g = c.getContext('2d', { willReadFrequently: true });
  for (let k = 0; k < SPRITE_ANGLES; k++) {
    g.clearRect(0, 0, dim, dim);
    g.beginPath();
    chevron(g, dim / 2, dim / 2, (k * 360) / SPRITE_ANGLES, px);
    g.fillStyle = colour;
    g.fill();
    const d = g.getImageData(0, 0, dim, dim).data;
    const offs = [];
    const words = [];
    for (let yy = 0; yy < dim; yy++) {
      for (let xx = 0; xx < dim; xx++) {
        const i = (yy * dim + xx) * 4;
        const alpha = d[i + 3];
        if (alpha < 60) continue;
        offs.push(xx - Math.floor(dim / 2), yy - Math.floor(dim / 2));
        // ImageData is RGBA bytes; as little-endian 32-bit words that is ABGR.
        words.push(((Math.min(255, alpha * 1.4) << 24) | (d[i + 2] << 16) | (d[i + 1] << 8) | d[i]) >>> 0);
      }
    }
    const reach = offs.reduce((m, o) => Math.max(m, Math.abs(o)), 0);
    set.push({ offs: Int16Array.from(offs), words: Uint32Array.from(words), reach });
  }
  cache.set(key, set);
  return set;
}

/**
 * Writes a sprite centred at device pixel (cx, cy) into a W×H buffer of RGBA words; pixels off
 * the buffer are clipped (tested pixel by pixel only for a sprite that crosses an edge).
 */
export function blit(buf, W, H, sprite, cx, cy) {
  const offs = sprite.offs;
  const words = sprite.words;
  const r = sprite.reach;
  if (cx - r >= 0 && cy - r >= 0 && cx + r < W && cy + r < H) {
    const at = cy * W + cx;
    for (let j = 0, m = 0; m < words.length; j += 2, m++) buf[at + offs[j + 1] * W + offs[j]] = words[m];
    return;
  }
  for (let j = 0, m = 0; m < words.length; j += 2, m++) {
    const x = cx + offs[j];
    const y = cy + offs[j + 1];
    if (x >= 0 && y >= 0 && x < W && y < H) buf[y * W + x] = words[m];
  }
}

/** `#rrggbb` as the RGBA word of that colour with alpha `alpha` (0-255). */
export function colourWord(colour, alpha) {
  const r = parseInt(colour.slice(1, 3), 16);
  const g = parseInt(colour.slice(3, 5), 16);
  const b = parseInt(colour.slice(5, 7), 16);
  return ((alpha << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
