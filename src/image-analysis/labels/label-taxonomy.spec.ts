import {
  canonicalLabel,
  displayName,
  KNOWN_COCO_CLASSES,
  KNOWN_LABEL_KEYS,
  KNOWN_OPEN_IMAGES_CLASSES,
  labelsFromDetections,
  parentsOf,
} from './label-taxonomy';

const box = { left: 0, top: 0, width: 1, height: 1 };

describe('label taxonomy', () => {
  it('knows all 80 COCO classes', () => {
    expect(new Set(KNOWN_COCO_CLASSES).size).toBe(80);
  });

  it('gives display names and parents', () => {
    expect(displayName('cell phone')).toBe('Mobile Phone');
    expect(parentsOf('Laptop')).toEqual(['Computer', 'Electronics']);
    expect(parentsOf('Cup')).toEqual(['Tableware', 'Kitchen']);
  });

  it('turns detections into labels with parents as labels too, best confidence first, capped', () => {
    const labels = labelsFromDetections(
      [
        { name: 'Cup', confidence: 0.45, bounding_box: box },
        { name: 'Cup', confidence: 0.62, bounding_box: box },
        { name: 'Laptop', confidence: 0.55, bounding_box: box },
      ],
      [],
      10,
      0.4,
    );
    expect(labels).toEqual([
      { name: 'Cup', confidence: 0.62, parents: ['Tableware', 'Kitchen'] },
      { name: 'Kitchen', confidence: 0.62, parents: [] },
      { name: 'Tableware', confidence: 0.62, parents: ['Kitchen'] },
      { name: 'Computer', confidence: 0.55, parents: ['Electronics'] },
      { name: 'Electronics', confidence: 0.55, parents: [] },
      { name: 'Laptop', confidence: 0.55, parents: ['Computer', 'Electronics'] },
    ]);
    expect(labelsFromDetections([{ name: 'Cup', confidence: 0.62, bounding_box: box }], [], 2, 0)).toHaveLength(2);
  });

  it('adds Face, Head and Person for faces, and honours min confidence', () => {
    expect(labelsFromDetections([], [0.9], 10, 0.5).map((l) => l.name)).toEqual(['Face', 'Head', 'Person']);
    expect(labelsFromDetections([], [0.3], 10, 0.5)).toEqual([]);
  });
});

describe('Open Images classes (the SSD detector)', () => {
  it('gives every class a display name of our table, with parents where it has any', () => {
    expect(KNOWN_OPEN_IMAGES_CLASSES).toHaveLength(23);
    for (const label of KNOWN_OPEN_IMAGES_CLASSES) expect(KNOWN_LABEL_KEYS).toContain(canonicalLabel(label));
    expect(displayName(canonicalLabel('Coffee cup'))).toBe('Coffee Cup');
    expect(parentsOf('Coffee Cup')).toEqual(['Cup', 'Tableware', 'Kitchen']);
    expect(displayName(canonicalLabel('Computer mouse'))).toBe('Mouse');
    expect(displayName(canonicalLabel('Cattle'))).toBe('Cow');
    expect(canonicalLabel('cup')).toBe('cup');
  });
});
