import sharp from 'sharp';
import { deltaE2000, nameColor, parseHex, rgbToLab } from './color-names';
import { productColors } from './dominant-colors';

const png = (svg: string) => sharp(Buffer.from(svg)).png().toBuffer();
const svg = (w: number, h: number, body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`;

describe('nameColor', () => {
  it.each([
    ['#1b2a4a', 'navy'],
    ['#c21d26', 'red'],
    ['#dcc9a8', 'beige'],
    ['#f6d21a', 'yellow'],
    ['#6b3f24', 'brown'],
    ['#ffffff', 'white'],
    ['#000000', 'black'],
    ['#808080', 'grey'],
    ['#2e9a45', 'green'],
    ['#f2a2ba', 'pink'],
  ])('%s is %s', (hex, name) => {
    expect(nameColor(...parseHex(hex)).name).toBe(name);
  });

  it('measures perceptual difference (CIEDE2000 reference pair)', () => {
    // Sharma et al. 2005 test data, pair 1: 2.0425
    expect(deltaE2000([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 3);
    expect(deltaE2000(rgbToLab(10, 20, 30), rgbToLab(10, 20, 30))).toBe(0);
  });
});

describe('productColors', () => {
  it('ignores a plain studio background and keeps white print on the product', async () => {
    const image = await png(
      svg(
        800,
        520,
        `<rect width="800" height="520" fill="#f2f2f2"/><rect x="140" y="70" width="520" height="380" rx="10" fill="#1b2a4a"/>
         <rect x="250" y="180" width="300" height="50" fill="#ffffff"/>`,
      ),
    );
    const result = await productColors(image);
    expect(result.region).toBe('image');
    expect(result.colors[0]).toMatchObject({ name: 'navy' });
    expect(result.colors[0].fraction).toBeGreaterThan(0.8);
    expect(result.colors.map((c) => c.name)).toContain('white');
    expect(result.background).toMatchObject({ name: 'white', kept: false });
    expect(result.background!.fraction).toBeGreaterThan(0.4);
  });

  it('keeps a flat background as the colour when only thin text sits on it', async () => {
    const image = await png(
      svg(
        1000,
        360,
        `<rect width="1000" height="360" fill="#f6d21a"/>
         <text x="500" y="160" font-family="DejaVu Sans" font-size="84" font-weight="bold" text-anchor="middle" fill="#111">SUMMER SALE</text>`,
      ),
    );
    const result = await productColors(image);
    expect(result.colors[0].name).toBe('yellow');
    expect(result.background).toMatchObject({ name: 'yellow', kept: true });
  });

  it('does not call a busy scene a plain background', async () => {
    const stripes = Array.from(
      { length: 4 },
      (_, i) => `<rect x="${i * 150}" width="150" height="600" fill="${i % 2 ? '#2e9a45' : '#c8202a'}"/>`,
    ).join('');
    const result = await productColors(await png(svg(600, 600, stripes)));
    expect(result.background).toBeNull();
    expect(result.colors.map((c) => c.name).sort()).toEqual(['green', 'red']);
  });

  it('measures only the main object when given its box', async () => {
    // a red shirt on the left, a big blue sofa on the right, on white
    const image = await png(
      svg(
        1000,
        500,
        `<rect width="1000" height="500" fill="#ffffff"/><rect x="60" y="100" width="240" height="300" fill="#c8202a"/>
         <rect x="380" y="40" width="580" height="420" fill="#2456b8"/>`,
      ),
    );
    const whole = await productColors(image);
    expect(whole.colors[0].name).toBe('blue');
    const shirt = await productColors(image, { left: 0.06, top: 0.2, width: 0.24, height: 0.6 });
    expect(shirt).toMatchObject({ region: 'object', box: { left: 0.06 } });
    expect(shirt.colors[0].name).toBe('red');
    expect(shirt.colors[0].fraction).toBeGreaterThan(0.9);
  });

  it('falls back to the whole image when the box is degenerate', async () => {
    const image = await png(svg(100, 100, `<rect width="100" height="100" fill="#c8202a"/>`));
    const result = await productColors(image, { left: 0.5, top: 0.5, width: 0, height: 0 });
    expect(result.region).toBe('image');
    expect(result.colors).toEqual([expect.objectContaining({ name: 'red', fraction: 1 })]);
  });
});
