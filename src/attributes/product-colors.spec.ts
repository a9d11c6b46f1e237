import sharp from 'sharp';
import type { RgbImage } from '../image-analysis/preprocess/prepared-image';
import { colorsInBox, cropToBox } from './product-colors';

async function rgb(svg: string): Promise<RgbImage> {
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('colours inside the main object', () => {
  // a red shirt on the left, a bigger blue sofa on the right, on white
  const scene = () =>
    rgb(`<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="500">
      <rect width="1000" height="500" fill="#ffffff"/>
      <rect x="60" y="100" width="240" height="300" fill="#c8202a"/>
      <rect x="380" y="40" width="580" height="420" fill="#2456b8"/>
    </svg>`);

  it('measures only the box (plus a small margin)', async () => {
    const shirt = await colorsInBox(await scene(), { left: 0.06, top: 0.2, width: 0.24, height: 0.6 });
    expect(shirt).toMatchObject({ region: 'object' });
    expect(shirt!.colors[0].name).toBe('red');
    expect(shirt!.colors[0].fraction).toBeGreaterThan(0.9);
    expect(shirt!.colors.map((c) => c.name)).not.toContain('blue');
    const sofa = await colorsInBox(await scene(), { left: 0.38, top: 0.08, width: 0.58, height: 0.84 });
    expect(sofa!.colors[0].name).toBe('blue');
  });

  it('leaves the white margin out as a plain background', async () => {
    const shirt = await colorsInBox(await scene(), { left: 0.04, top: 0.15, width: 0.28, height: 0.7 });
    expect(shirt!.background).toMatchObject({ name: 'white', kept: false });
    expect(shirt!.colors[0].name).toBe('red');
  });

  it('crops with a 3% margin, clamped to the image', async () => {
    const image = await scene();
    expect(await cropToBox(image, { left: 0.5, top: 0.5, width: 0.1, height: 0.1 })).toMatchObject({
      width: 160,
      height: 80,
    });
    expect(await cropToBox(image, { left: 0, top: 0, width: 1, height: 1 })).toMatchObject({
      width: 1000,
      height: 500,
    });
  });

  it('gives up on a box too small to measure', async () => {
    expect(await cropToBox(await scene(), { left: 0.5, top: 0.5, width: 0, height: 0 })).toBeNull();
    expect(await colorsInBox(await scene(), { left: 0.999, top: 0.999, width: 0.001, height: 0.001 })).toBeNull();
  });
});
