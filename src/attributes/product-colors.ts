import sharp from 'sharp';
import { dominantColors } from '../image-analysis/colors/dominant-colors';
import type { BoundingBox } from '../image-analysis/image-analysis.types';
import type { RgbImage } from '../image-analysis/preprocess/prepared-image';
import type { ProductColors } from './attribute.types';

/** Margin around the object's box, as a fraction of the image: detector boxes are often tight. */
const MARGIN = 0.03;

/** The box plus a small margin, cut out of raw RGB pixels; null for a box under 8 px a side. */
export async function cropToBox(image: RgbImage, box: BoundingBox): Promise<RgbImage | null> {
  if (box.width * image.width < 8 || box.height * image.height < 8) return null;
  const left = Math.max(0, Math.floor((box.left - MARGIN) * image.width));
  const top = Math.max(0, Math.floor((box.top - MARGIN) * image.height));
  const right = Math.min(image.width, Math.ceil((box.left + box.width + MARGIN) * image.width));
  const bottom = Math.min(image.height, Math.ceil((box.top + box.height + MARGIN) * image.height));
  if (right - left < 8 || bottom - top < 8) return null;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width: right - left, height: bottom - top })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * The product's colours measured inside the main object's box (the image analysis' colour step
 * on the crop: k-means in CIELAB, everyday names, plain background removed from the crop's
 * border). Null when the box is too small to measure.
 */
export async function colorsInBox(image: RgbImage, box: BoundingBox): Promise<ProductColors | null> {
  const crop = await cropToBox(image, box);
  if (!crop) return null;
  const { colors, background } = await dominantColors(crop);
  return { colors, background, region: 'object' };
}
