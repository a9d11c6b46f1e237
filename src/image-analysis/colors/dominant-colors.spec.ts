import { coffeeBag, monitorBox, photo, redMug } from '../../../test/support/images';
import { prepareImage } from '../preprocess/prepared-image';
import { dominantColors, nameColor } from './dominant-colors';

const working = async (bytes: Buffer) =>
  (await prepareImage(bytes, { maxPixels: 1e8, workingMaxSide: 2048, allowedFormats: ['jpeg', 'png', 'webp'] }))
    .working;

describe('dominantColors', () => {
  it.each([
    ['monitor box', monitorBox, 'navy'],
    ['red mug', redMug, 'red'],
    ['coffee bag', coffeeBag, 'brown'],
  ])('names the %s colour first and leaves the plain background out', async (_name, render, colour) => {
    const { colors, background } = await dominantColors(await working((await render()).png));
    expect(colors[0].name).toBe(colour);
    expect(background).toMatchObject({ kept: false });
    expect(colors.reduce((sum, c) => sum + c.fraction, 0)).toBeLessThanOrEqual(1.001);
    for (const c of colors) expect(c.hex).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('the coffee bag has its cream label as a second colour', async () => {
    const { colors } = await dominantColors(await working((await coffeeBag()).png));
    expect(colors.map((c) => c.name)).toContain('cream');
  });

  it('gives a photo several colours with fractions', async () => {
    const { colors } = await dominantColors(await working(photo('cat.jpg')));
    expect(colors.length).toBeGreaterThanOrEqual(2);
    expect(colors.map((c) => c.name)).toEqual(expect.arrayContaining(['tan']));
  });

  it('names neutrals by lightness and hues from the palette', () => {
    expect(nameColor(255, 255, 255)).toBe('white');
    expect(nameColor(0, 0, 0)).toBe('black');
    expect(nameColor(128, 128, 128)).toBe('grey');
    expect(nameColor(200, 30, 40)).toBe('red');
    expect(nameColor(30, 40, 75)).toBe('navy');
  });
});
