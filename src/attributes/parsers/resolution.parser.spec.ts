import { parseResolutions } from './resolution.parser';

describe('parseResolutions', () => {
  it.each([
    ['4K', '4K UHD', 3840, 2160],
    ['4k', '4K UHD', 3840, 2160],
    ['4K UHD', '4K UHD', 3840, 2160],
    ['UHD', '4K UHD', 3840, 2160],
    ['Ultra HD', '4K UHD', 3840, 2160],
    ['2160p', '4K UHD', 3840, 2160],
    ['3840 x 2160', '4K UHD', 3840, 2160],
    ['3840x2160', '4K UHD', 3840, 2160],
    ['3840 × 2160', '4K UHD', 3840, 2160],
    ['8K', '8K UHD', 7680, 4320],
    ['4320p', '8K UHD', 7680, 4320],
    ['1080p', 'Full HD', 1920, 1080],
    ['1080P', 'Full HD', 1920, 1080],
    ['FHD', 'Full HD', 1920, 1080],
    ['Full HD', 'Full HD', 1920, 1080],
    ['1920 x 1080', 'Full HD', 1920, 1080],
    ['1O80p', 'Full HD', 1920, 1080],
    ['1440p', 'QHD', 2560, 1440],
    ['WQHD', 'QHD', 2560, 1440],
    ['2560x1440', 'QHD', 2560, 1440],
    ['720p', 'HD', 1280, 720],
    ['3440 x 1440', 'UWQHD', 3440, 1440],
    ['1024 x 768', '1024x768', 1024, 768],
  ])('%s -> %s', (text, label, width, height) => {
    expect(parseResolutions(text)).toMatchObject([{ label, width, height }]);
  });

  it('merges several mentions of one resolution and raises its confidence', () => {
    const found = parseResolutions('27 inch Monitor 4K UHD 3840 x 2160');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ label: '4K UHD', text: '4K UHD' });
    expect(found[0].confidence).toBeGreaterThan(0.95);
  });

  it('keeps distinct resolutions apart', () => {
    expect(parseResolutions('4K input, 1080p at 240Hz').map((r) => r.label)).toEqual(['4K UHD', 'Full HD']);
  });

  it.each(['HDR10', 'HDMI 2.1', '40K mAh', '24K gold', '60 x 40 cm', '4 x 4', 'Model NV-27U', 'EUR 12.99', 'HDTV'])(
    'finds none in %s',
    (text) => {
      expect(parseResolutions(text)).toEqual([]);
    },
  );
});
