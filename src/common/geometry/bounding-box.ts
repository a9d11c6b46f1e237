/** A box as fractions of the image, as Rekognition gives it: every result uses this shape. */
export interface FractionBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Keeps a box inside [0, 1] (engines may report a few pixels outside the image), rounded to
 * `decimals` places.
 */
export function clampBox(box: FractionBox, decimals = 4): FractionBox {
  const scale = 10 ** decimals;
  const round = (value: number) => Math.round(value * scale) / scale;
  const left = Math.min(1, Math.max(0, box.left));
  const top = Math.min(1, Math.max(0, box.top));
  const right = Math.min(1, Math.max(left, box.left + box.width));
  const bottom = Math.min(1, Math.max(top, box.top + box.height));
  return { left: round(left), top: round(top), width: round(right - left), height: round(bottom - top) };
}
