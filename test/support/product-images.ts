import sharp from 'sharp';

/**
 * Product images rendered from SVG with sharp (text needs Debian fonts-dejavu-core), each with
 * the attributes a person reads from it ("key=value" as /extract-attributes names them), its
 * category and its main colour. Used by the e2e tests and for the precision figures.
 */
export interface ProductFixture {
  name: string;
  png: Buffer;
  /** Text attributes a person reads on the image. */
  expected: string[];
  category: string;
  color: string;
  query?: string;
}

const FONT = 'DejaVu Sans, Liberation Sans, sans-serif';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const text = (x: number, y: number, size: number, fill: string, content: string, extra = 'text-anchor="middle"') =>
  `<text x="${x}" y="${y}" ${extra.includes('font-family') ? '' : `font-family="${FONT}"`} font-size="${size}" fill="${fill}" ${extra}>${esc(content)}</text>`;
const render = (svg: string) => sharp(Buffer.from(svg)).png().toBuffer();

interface Definition extends Omit<ProductFixture, 'png'> {
  svg: string;
  /** Photo-like degradation after rendering (rotation, blur, noise, JPEG). */
  degrade?: boolean;
}

const DEFINITIONS: Definition[] = [
  {
    name: 'monitor-box',
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="560">
      <rect width="800" height="560" fill="#f2f2f2"/>
      <rect x="120" y="50" width="560" height="460" rx="10" fill="#1b2a4a"/>
      ${text(400, 140, 58, '#ffffff', 'NOVAVIEW', 'text-anchor="middle" font-weight="bold"')}
      ${text(400, 225, 40, '#ffffff', '27 inch Monitor 4K', 'text-anchor="middle" font-weight="bold"')}
      ${text(400, 290, 30, '#ffffff', 'Model NV-27U')}
      ${text(400, 360, 30, '#ffffff', '144Hz')}
      ${text(400, 440, 22, '#c9d3e6', 'UHD 3840 x 2160  HDR10')}
    </svg>`,
    expected: [
      'brand=NOVAVIEW',
      'screen_size=27 inch',
      'resolution=4K UHD',
      'model_number=NV-27U',
      'refresh_rate=144Hz',
    ],
    category: 'Electronics > Computer > Monitor',
    color: 'navy',
    query: 'navy 27 inch 4K monitor NOVAVIEW',
  },
  {
    name: 'shirt-tag',
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="700">
      <rect width="600" height="700" fill="#ffffff"/>
      <rect x="130" y="60" width="340" height="580" rx="14" fill="#c8202a"/>
      ${text(300, 170, 54, '#ffffff', 'KWENDA', 'text-anchor="middle" font-weight="bold"')}
      ${text(300, 300, 36, '#ffffff', '100% Cotton')}
      ${text(300, 380, 36, '#ffffff', 'Size M')}
      ${text(300, 520, 24, '#ffffff', 'Made in Portugal')}
    </svg>`,
    expected: ['brand=KWENDA', 'material=100% cotton', 'size=M'],
    category: 'Clothing, Shoes & Accessories',
    color: 'red',
  },
  {
    name: 'water-bottle-label',
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="500">
      <rect width="900" height="500" fill="#ffffff"/>
      <rect x="80" y="60" width="740" height="380" rx="20" fill="#2456b8"/>
      ${text(450, 170, 64, '#ffffff', 'AQUAPURA', 'text-anchor="middle" font-weight="bold"')}
      ${text(450, 260, 36, '#ffffff', 'Natural Mineral Water')}
      ${text(450, 360, 48, '#ffffff', '500 ml', 'text-anchor="middle" font-weight="bold"')}
    </svg>`,
    expected: ['brand=AQUAPURA', 'volume=500 ml'],
    category: 'Grocery > Beverages > Water',
    color: 'blue',
    query: 'blue 500 ml water AQUAPURA',
  },
  {
    name: 'coffee-bag',
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="640">
      <rect width="900" height="640" fill="#ffffff"/>
      <path d="M150 90 L590 90 L620 590 L120 590 Z" fill="#6b3f24"/>
      <rect x="170" y="230" width="400" height="200" rx="6" fill="#f1e6cc"/>
      ${text(370, 300, 28, '#3b2412', 'Organic Coffee Beans', 'text-anchor="middle" font-weight="bold"')}
      ${text(370, 350, 26, '#3b2412', 'Dark Roast 500 g')}
      ${text(370, 555, 18, '#f1e6cc', 'Best before 05/2027')}
    </svg>`,
    expected: ['weight=500 g'],
    category: 'Grocery > Beverages > Coffee',
    color: 'brown',
  },
  {
    name: 'headphones-box',
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
      <rect width="800" height="600" fill="#eeeeee"/>
      <rect x="100" y="60" width="600" height="480" rx="8" fill="#111111"/>
      ${text(400, 160, 56, '#ffffff', 'KLANGWERK', 'text-anchor="middle" font-weight="bold"')}
      ${text(400, 250, 32, '#ffffff', 'Wireless Headphones')}
      ${text(400, 320, 28, '#ffffff', 'WH-1000XM4')}
      ${text(400, 400, 28, '#ffffff', '30 h battery  5000 mAh')}
    </svg>`,
    expected: ['brand=KLANGWERK', 'model_number=WH-1000XM4', 'battery_capacity=5000 mAh'],
    category: 'Electronics > Audio > Headphones',
    color: 'black',
  },
  {
    name: 'laptop-sticker',
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500">
      <rect width="800" height="500" fill="#dddddd"/>
      <rect x="80" y="60" width="640" height="380" rx="12" fill="#f4f4f4" stroke="#999999" stroke-width="4"/>
      ${text(400, 150, 40, '#222222', 'Laptop 15.6" FHD', 'text-anchor="middle" font-weight="bold"')}
      ${text(400, 230, 32, '#222222', '16GB RAM  512GB SSD')}
      ${text(400, 310, 32, '#222222', 'Intel Core i7 2.4 GHz')}
    </svg>`,
    expected: [
      'screen_size=15.6 inch',
      'resolution=Full HD',
      'memory=16GB',
      'storage_capacity=512GB',
      'clock_speed=2.4GHz',
    ],
    category: 'Electronics > Computer > Laptop',
    color: 'white',
  },
  {
    name: 'sneaker-box',
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="560">
      <rect width="900" height="560" fill="#fafafa"/>
      <rect x="60" y="80" width="780" height="400" rx="6" fill="#f08a1c"/>
      ${text(450, 190, 60, '#ffffff', 'STRIDEX', 'text-anchor="middle" font-family="DejaVu Serif" font-weight="bold"')}
      ${text(450, 270, 30, '#ffffff', 'Trail Running Shoes')}
      ${text(300, 370, 28, '#ffffff', 'US 9.5')}
      ${text(600, 370, 28, '#ffffff', 'EU 43')}
      ${text(450, 440, 22, '#ffffff', 'Art. No. TR-2041')}
    </svg>`,
    expected: ['brand=STRIDEX', 'size=US 9.5', 'size=EU 43', 'model_number=TR-2041'],
    category: 'Clothing, Shoes & Accessories > Shoes',
    color: 'orange',
  },
  {
    name: 'tv-box-photo',
    degrade: true,
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="640">
      <rect width="1000" height="640" fill="#d8d2c4"/>
      <rect x="90" y="70" width="820" height="500" rx="6" fill="#111827"/>
      ${text(500, 180, 64, '#ffffff', 'VISTARA', 'text-anchor="middle" font-weight="bold"')}
      ${text(500, 270, 40, '#ffffff', 'Smart TV 55" (139 cm)')}
      ${text(500, 350, 36, '#ffffff', 'Ultra HD  120 Hz')}
      ${text(500, 430, 28, '#ffffff', 'Model VS-55Q8')}
    </svg>`,
    expected: [
      'brand=VISTARA',
      'screen_size=55 inch',
      'screen_size=54.7 inch',
      'resolution=4K UHD',
      'refresh_rate=120Hz',
      'model_number=VS-55Q8',
    ],
    category: 'Electronics > TV & Video > Television',
    color: 'black',
  },
  {
    name: 'juice-carton-photo',
    degrade: true,
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="700" height="800">
      <rect width="700" height="800" fill="#ffffff"/>
      <rect x="150" y="80" width="400" height="640" rx="8" fill="#f4d80c"/>
      ${text(350, 220, 50, '#1e4a2a', 'SUNGOLD', 'text-anchor="middle" font-weight="bold"')}
      ${text(350, 320, 36, '#1e4a2a', 'Orange Juice')}
      ${text(350, 560, 48, '#1e4a2a', '1,5 L', 'text-anchor="middle" font-weight="bold"')}
    </svg>`,
    expected: ['brand=SUNGOLD', 'volume=1.5 l'],
    category: 'Grocery > Beverages > Juice',
    color: 'yellow',
  },
];

/** A little like a phone photo: 2° tilt, soft focus, sensor noise, JPEG at quality 70. */
async function degrade(png: Buffer): Promise<Buffer> {
  const tilted = await sharp(png)
    .rotate(2, { background: '#ffffff' })
    .blur(0.8)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { data, info } = tilted;
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5;
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, data[i] + Math.round(random() * 24)));
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .jpeg({ quality: 70 })
    .toBuffer();
}

export async function renderProductFixtures(): Promise<ProductFixture[]> {
  return Promise.all(
    DEFINITIONS.map(async ({ svg, degrade: worn, ...rest }) => {
      const png = await render(svg);
      return { ...rest, png: worn ? await degrade(png) : png };
    }),
  );
}
