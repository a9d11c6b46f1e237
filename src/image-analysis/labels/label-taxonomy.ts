import type { DetectedObject, Label } from '../image-analysis.types';

/**
 * Our own parent-category table for the 80 COCO classes the local object detector knows,
 * in Rekognition's style (display name + parents, nearest first). A parent is itself reported as
 * a label (with its best child's confidence), as Rekognition does.
 */
const COCO: Record<string, [name: string, parents: string[]]> = {
  person: ['Person', []],
  bicycle: ['Bicycle', ['Vehicle', 'Transportation']],
  car: ['Car', ['Vehicle', 'Transportation']],
  motorcycle: ['Motorcycle', ['Vehicle', 'Transportation']],
  airplane: ['Airplane', ['Aircraft', 'Vehicle', 'Transportation']],
  bus: ['Bus', ['Vehicle', 'Transportation']],
  train: ['Train', ['Vehicle', 'Transportation']],
  truck: ['Truck', ['Vehicle', 'Transportation']],
  boat: ['Boat', ['Watercraft', 'Vehicle', 'Transportation']],
  'traffic light': ['Traffic Light', ['Light', 'Road Sign']],
  'fire hydrant': ['Fire Hydrant', ['Hydrant']],
  'stop sign': ['Stop Sign', ['Road Sign', 'Sign', 'Symbol']],
  'parking meter': ['Parking Meter', ['Meter']],
  bench: ['Bench', ['Furniture']],
  bird: ['Bird', ['Animal']],
  cat: ['Cat', ['Pet', 'Mammal', 'Animal']],
  dog: ['Dog', ['Pet', 'Mammal', 'Animal']],
  horse: ['Horse', ['Mammal', 'Animal']],
  sheep: ['Sheep', ['Livestock', 'Mammal', 'Animal']],
  cow: ['Cow', ['Livestock', 'Mammal', 'Animal']],
  elephant: ['Elephant', ['Wildlife', 'Mammal', 'Animal']],
  bear: ['Bear', ['Wildlife', 'Mammal', 'Animal']],
  zebra: ['Zebra', ['Wildlife', 'Mammal', 'Animal']],
  giraffe: ['Giraffe', ['Wildlife', 'Mammal', 'Animal']],
  backpack: ['Backpack', ['Bag', 'Accessories']],
  umbrella: ['Umbrella', ['Accessories']],
  handbag: ['Handbag', ['Bag', 'Accessories']],
  tie: ['Tie', ['Clothing', 'Accessories']],
  suitcase: ['Suitcase', ['Luggage', 'Bag']],
  frisbee: ['Frisbee', ['Toy', 'Sports Equipment']],
  skis: ['Skis', ['Sports Equipment']],
  snowboard: ['Snowboard', ['Sports Equipment']],
  'sports ball': ['Ball', ['Sports Equipment']],
  kite: ['Kite', ['Toy']],
  'baseball bat': ['Baseball Bat', ['Sports Equipment']],
  'baseball glove': ['Baseball Glove', ['Sports Equipment', 'Clothing']],
  skateboard: ['Skateboard', ['Sports Equipment']],
  surfboard: ['Surfboard', ['Sports Equipment']],
  'tennis racket': ['Tennis Racket', ['Racket', 'Sports Equipment']],
  bottle: ['Bottle', ['Container']],
  'wine glass': ['Wine Glass', ['Glass', 'Tableware', 'Kitchen']],
  cup: ['Cup', ['Tableware', 'Kitchen']],
  fork: ['Fork', ['Cutlery', 'Tableware', 'Kitchen']],
  knife: ['Knife', ['Cutlery', 'Tableware', 'Kitchen']],
  spoon: ['Spoon', ['Cutlery', 'Tableware', 'Kitchen']],
  bowl: ['Bowl', ['Tableware', 'Kitchen']],
  banana: ['Banana', ['Fruit', 'Food']],
  apple: ['Apple', ['Fruit', 'Food']],
  sandwich: ['Sandwich', ['Food']],
  orange: ['Orange', ['Citrus Fruit', 'Fruit', 'Food']],
  broccoli: ['Broccoli', ['Vegetable', 'Food']],
  carrot: ['Carrot', ['Vegetable', 'Food']],
  'hot dog': ['Hot Dog', ['Food']],
  pizza: ['Pizza', ['Food']],
  donut: ['Donut', ['Pastry', 'Food']],
  cake: ['Cake', ['Dessert', 'Food']],
  chair: ['Chair', ['Furniture']],
  couch: ['Couch', ['Furniture']],
  'potted plant': ['Potted Plant', ['Plant']],
  bed: ['Bed', ['Furniture']],
  'dining table': ['Dining Table', ['Table', 'Furniture']],
  toilet: ['Toilet', ['Bathroom']],
  tv: ['TV', ['Screen', 'Electronics']],
  laptop: ['Laptop', ['Computer', 'Electronics']],
  mouse: ['Mouse', ['Computer Hardware', 'Electronics']],
  remote: ['Remote Control', ['Electronics']],
  keyboard: ['Keyboard', ['Computer Hardware', 'Electronics']],
  'cell phone': ['Mobile Phone', ['Phone', 'Electronics']],
  microwave: ['Microwave', ['Appliance', 'Kitchen']],
  oven: ['Oven', ['Appliance', 'Kitchen']],
  toaster: ['Toaster', ['Appliance', 'Kitchen']],
  sink: ['Sink', ['Kitchen']],
  refrigerator: ['Refrigerator', ['Appliance', 'Kitchen']],
  book: ['Book', ['Publication']],
  clock: ['Clock', ['Home Decor']],
  vase: ['Vase', ['Pottery', 'Home Decor']],
  scissors: ['Scissors', ['Tool']],
  'teddy bear': ['Teddy Bear', ['Toy']],
  'hair drier': ['Hair Dryer', ['Appliance']],
  toothbrush: ['Toothbrush', ['Personal Care']],
};

/**
 * Classes the Open Images detector (SSD-MobileNetV2, local/worker/ssd-detector.js) knows beyond
 * COCO, in the same form. Its other classes map onto the COCO keys (OPEN_IMAGES_TO_KEY), so
 * every engine reports one name for one thing and their boxes merge.
 */
const OTHER: Record<string, [name: string, parents: string[]]> = {
  mug: ['Mug', ['Cup', 'Tableware', 'Kitchen']],
  'coffee cup': ['Coffee Cup', ['Cup', 'Tableware', 'Kitchen']],
  camera: ['Camera', ['Electronics']],
  box: ['Box', ['Container']],
  footwear: ['Footwear', ['Clothing']],
  boot: ['Boot', ['Footwear', 'Clothing']],
  'high heels': ['High Heels', ['Footwear', 'Clothing']],
  desk: ['Desk', ['Table', 'Furniture']],
  table: ['Table', ['Furniture']],
  'computer monitor': ['Monitor', ['Screen', 'Electronics']],
  'stationary bicycle': ['Exercise Bike', ['Sports Equipment']],
  vehicle: ['Vehicle', ['Transportation']],
};

/** Open Images class (as the SSD's label map spells it) -> our key (COCO or OTHER). */
const OPEN_IMAGES_TO_KEY: Record<string, string> = {
  Bicycle: 'bicycle',
  Boot: 'boot',
  Laptop: 'laptop',
  Person: 'person',
  Chair: 'chair',
  Cattle: 'cow',
  Desk: 'desk',
  Cat: 'cat',
  'Computer mouse': 'mouse',
  'Computer monitor': 'computer monitor',
  Box: 'box',
  Mug: 'mug',
  'Coffee cup': 'coffee cup',
  'Stationary bicycle': 'stationary bicycle',
  Table: 'table',
  Bottle: 'bottle',
  'High heels': 'high heels',
  Vehicle: 'vehicle',
  Footwear: 'footwear',
  Dog: 'dog',
  Book: 'book',
  Camera: 'camera',
  Car: 'car',
};

/** One key per class whichever engine found it: Open Images names mapped, COCO keys as they are. */
export function canonicalLabel(label: string): string {
  return OPEN_IMAGES_TO_KEY[label] ?? label;
}

/** Every key with a display name and parents of ours (COCO and the others). */
export const KNOWN_LABEL_KEYS = [...Object.keys(COCO), ...Object.keys(OTHER)];

/** Every Open Images class the mapping knows (its test checks each resolves to a display name). */
export const KNOWN_OPEN_IMAGES_CLASSES = Object.keys(OPEN_IMAGES_TO_KEY);

/** Parents of the parents, so "Cup -> Tableware -> Kitchen" and "Kitchen" alone both resolve. */
const PARENT_CHAINS: Record<string, string[]> = {
  Face: ['Head', 'Person'],
};

function titleCase(label: string): string {
  return label.replace(/\b\w/g, (c) => c.toUpperCase());
}

/** The display name of a COCO class ("cell phone" -> "Mobile Phone"); unknown classes title-cased. */
export function displayName(cocoLabel: string): string {
  return COCO[cocoLabel]?.[0] ?? OTHER[cocoLabel]?.[0] ?? titleCase(cocoLabel);
}

export function parentsOf(name: string): string[] {
  const entry = [...Object.values(COCO), ...Object.values(OTHER)].find(([display]) => display === name);
  return entry?.[1] ?? PARENT_CHAINS[name] ?? [];
}

/** Every COCO class the table knows (its test checks all 80 are there). */
export const KNOWN_COCO_CLASSES = Object.keys(COCO);

/**
 * Labels from detected objects (and faces): each class once with its best confidence, then each
 * parent category with the best confidence of its children; sorted by confidence, capped.
 */
export function labelsFromDetections(
  objects: DetectedObject[],
  faceConfidences: number[],
  maxLabels: number,
  minConfidence: number,
): Label[] {
  const best = new Map<string, Label>();
  const add = (name: string, confidence: number, parents: string[]) => {
    const existing = best.get(name);
    if (!existing || existing.confidence < confidence) best.set(name, { name, confidence, parents });
  };
  for (const object of objects) {
    const parents = parentsOf(object.name);
    add(object.name, object.confidence, parents);
    parents.forEach((parent, i) => add(parent, object.confidence, parents.slice(i + 1)));
  }
  if (faceConfidences.length > 0) {
    const confidence = Math.max(...faceConfidences);
    add('Face', confidence, PARENT_CHAINS.Face);
    add('Head', confidence, ['Person']);
    add('Person', confidence, []);
  }
  return [...best.values()]
    .filter((label) => label.confidence >= minConfidence)
    .sort((a, b) => b.confidence - a.confidence || a.name.localeCompare(b.name))
    .slice(0, maxLabels);
}
