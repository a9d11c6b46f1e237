/**
 * Our product taxonomy: a tree of categories. Each node lists the names that point at it:
 * detector labels (COCO classes as the local engine names them, Rekognition label names) and
 * words printed on products that OCR may read. Matching is case-insensitive and accepts simple
 * plurals. `term` is the noun a shopping search uses for the category ("monitor", "mug").
 *
 * `ocr: false` marks names that are fine as a detector label but too vague as a printed word
 * ("display", "table", "plant").
 */
export interface TaxonomyDef {
  name: string;
  term?: string;
  /** Names that mean this category, from labels and from printed text. */
  names?: string[];
  /** Names accepted from labels/objects only, not from OCR text. */
  labelOnly?: string[];
  children?: TaxonomyDef[];
}

export const TAXONOMY: TaxonomyDef[] = [
  {
    name: 'Electronics',
    term: 'electronics',
    names: ['electronics', 'electronic device'],
    labelOnly: ['hardware', 'device', 'gadget'],
    children: [
      {
        name: 'Computer',
        term: 'computer',
        names: ['computer', 'desktop computer'],
        labelOnly: ['computer hardware', 'pc'],
        children: [
          {
            name: 'Monitor',
            term: 'monitor',
            names: ['monitor', 'computer monitor', 'gaming monitor', 'display monitor'],
            labelOnly: ['display', 'screen', 'lcd screen', 'led screen'],
          },
          { name: 'Laptop', term: 'laptop', names: ['laptop', 'notebook computer', 'macbook', 'chromebook'] },
          { name: 'Keyboard', term: 'keyboard', names: ['keyboard', 'computer keyboard', 'mechanical keyboard'] },
          { name: 'Mouse', term: 'mouse', names: ['mouse', 'computer mouse', 'gaming mouse', 'wireless mouse'] },
          {
            name: 'Storage',
            term: 'drive',
            names: ['ssd', 'hard drive', 'hard disk', 'usb flash drive', 'flash drive', 'memory card', 'sd card'],
          },
        ],
      },
      {
        name: 'TV & Video',
        term: 'tv',
        children: [
          { name: 'Television', term: 'tv', names: ['tv', 'television', 'smart tv', 'tvmonitor', 'led tv', 'oled tv'] },
          { name: 'Remote Control', term: 'remote control', names: ['remote', 'remote control'] },
        ],
      },
      {
        name: 'Mobile Phones',
        term: 'smartphone',
        names: ['cell phone', 'mobile phone', 'smartphone', 'iphone', 'phone'],
        labelOnly: ['cellphone'],
      },
      {
        name: 'Audio',
        term: 'audio',
        children: [
          {
            name: 'Headphones',
            term: 'headphones',
            names: ['headphones', 'headphone', 'headset', 'earphones', 'earbuds', 'over-ear headphones'],
          },
          {
            name: 'Speakers',
            term: 'speaker',
            names: ['speaker', 'speakers', 'loudspeaker', 'bluetooth speaker', 'soundbar'],
          },
        ],
      },
      { name: 'Cameras', term: 'camera', names: ['camera', 'digital camera', 'dslr', 'mirrorless camera'] },
      { name: 'Watches', term: 'smartwatch', names: ['smartwatch', 'smart watch'] },
    ],
  },
  {
    name: 'Home & Kitchen',
    term: 'home',
    labelOnly: ['indoors', 'kitchen', 'housewares'],
    children: [
      {
        name: 'Kitchen Appliances',
        term: 'kitchen appliance',
        names: ['kitchen appliance'],
        labelOnly: ['appliance'],
        children: [
          { name: 'Microwave', term: 'microwave', names: ['microwave', 'microwave oven'] },
          { name: 'Oven', term: 'oven', names: ['oven'] },
          { name: 'Toaster', term: 'toaster', names: ['toaster'] },
          { name: 'Refrigerator', term: 'refrigerator', names: ['refrigerator', 'fridge', 'freezer'] },
          { name: 'Coffee Maker', term: 'coffee maker', names: ['coffee maker', 'coffee machine', 'espresso machine'] },
          { name: 'Kettle', term: 'kettle', names: ['kettle', 'electric kettle'] },
        ],
      },
      {
        name: 'Tableware',
        term: 'tableware',
        names: ['tableware', 'dinnerware'],
        children: [
          { name: 'Cups & Mugs', term: 'mug', names: ['cup', 'mug', 'coffee cup', 'coffee mug', 'tea cup', 'teacup'] },
          { name: 'Glasses', term: 'glass', names: ['wine glass', 'drinking glass', 'glassware', 'goblet'] },
          { name: 'Bowls', term: 'bowl', names: ['bowl', 'salad bowl'] },
          { name: 'Cutlery', term: 'cutlery', names: ['fork', 'knife', 'spoon', 'cutlery', 'flatware', 'silverware'] },
          { name: 'Plates', term: 'plate', names: ['plate', 'dinner plate'] },
        ],
      },
      {
        name: 'Drinkware',
        term: 'bottle',
        children: [{ name: 'Bottles', term: 'bottle', names: ['bottle', 'water bottle', 'flask', 'thermos'] }],
      },
      {
        name: 'Furniture',
        term: 'furniture',
        names: ['furniture'],
        children: [
          { name: 'Chairs', term: 'chair', names: ['chair', 'office chair', 'armchair', 'stool'] },
          { name: 'Sofas', term: 'sofa', names: ['couch', 'sofa', 'loveseat'] },
          { name: 'Beds', term: 'bed', names: ['bed', 'mattress'] },
          { name: 'Tables', term: 'table', names: ['dining table', 'coffee table', 'desk'], labelOnly: ['table'] },
          { name: 'Benches', term: 'bench', names: ['bench'] },
        ],
      },
      {
        name: 'Decor',
        term: 'decor',
        labelOnly: ['home decor'],
        children: [
          { name: 'Vases', term: 'vase', names: ['vase', 'pottery'] },
          { name: 'Clocks', term: 'clock', names: ['clock', 'wall clock', 'alarm clock'] },
          { name: 'Plants', term: 'plant', names: ['potted plant', 'houseplant'], labelOnly: ['plant', 'flowerpot'] },
        ],
      },
      {
        name: 'Bathroom',
        term: 'bathroom',
        children: [
          { name: 'Toilets', term: 'toilet', names: ['toilet'] },
          { name: 'Sinks', term: 'sink', names: ['sink'] },
        ],
      },
    ],
  },
  {
    name: 'Clothing, Shoes & Accessories',
    term: 'clothing',
    names: ['clothing', 'apparel', 'garment'],
    labelOnly: ['fashion'],
    children: [
      {
        name: 'Clothing',
        term: 'clothing',
        children: [
          { name: 'T-Shirts', term: 't-shirt', names: ['t-shirt', 'tshirt', 'tee shirt', 'tee'] },
          { name: 'Shirts', term: 'shirt', names: ['shirt', 'blouse', 'dress shirt', 'polo shirt'] },
          { name: 'Sweaters', term: 'sweater', names: ['sweater', 'jumper', 'hoodie', 'sweatshirt', 'cardigan'] },
          { name: 'Jackets & Coats', term: 'jacket', names: ['jacket', 'coat', 'parka', 'blazer'] },
          { name: 'Pants', term: 'pants', names: ['pants', 'trousers', 'jeans', 'shorts', 'leggings'] },
          { name: 'Dresses', term: 'dress', names: ['dress', 'skirt'] },
          { name: 'Socks', term: 'socks', names: ['socks', 'sock'] },
        ],
      },
      {
        name: 'Shoes',
        term: 'shoes',
        names: ['shoe', 'shoes', 'footwear', 'sneaker', 'sneakers', 'boot', 'boots', 'sandal', 'sandals', 'trainers'],
      },
      {
        name: 'Accessories',
        term: 'accessory',
        names: ['accessories'],
        children: [
          { name: 'Ties', term: 'tie', names: ['necktie', 'bow tie'], labelOnly: ['tie'] },
          { name: 'Hats', term: 'hat', names: ['hat', 'beanie', 'baseball cap'], labelOnly: ['cap'] },
          { name: 'Umbrellas', term: 'umbrella', names: ['umbrella'] },
          { name: 'Sunglasses', term: 'sunglasses', names: ['sunglasses'] },
          { name: 'Watches', term: 'watch', names: ['wristwatch', 'watch'] },
          {
            name: 'Jewelry',
            term: 'jewelry',
            names: ['jewelry', 'jewellery', 'necklace', 'earrings', 'bracelet'],
            labelOnly: ['ring'],
          },
        ],
      },
      {
        name: 'Bags & Luggage',
        term: 'bag',
        names: ['bag'],
        children: [
          { name: 'Backpacks', term: 'backpack', names: ['backpack', 'rucksack'] },
          { name: 'Handbags', term: 'handbag', names: ['handbag', 'purse', 'tote bag', 'tote'] },
          { name: 'Suitcases', term: 'suitcase', names: ['suitcase', 'luggage', 'trolley case'] },
        ],
      },
    ],
  },
  {
    name: 'Beauty & Personal Care',
    term: 'personal care',
    names: ['cosmetics', 'beauty', 'personal care'],
    children: [
      { name: 'Hair Dryers', term: 'hair dryer', names: ['hair drier', 'hair dryer', 'hairdryer', 'blow dryer'] },
      { name: 'Toothbrushes', term: 'toothbrush', names: ['toothbrush', 'electric toothbrush'] },
      {
        name: 'Skin Care',
        term: 'skin care',
        names: ['lotion', 'moisturizer', 'moisturiser', 'sunscreen', 'face cream'],
      },
      { name: 'Hair Care', term: 'shampoo', names: ['shampoo', 'conditioner'] },
      {
        name: 'Fragrance',
        term: 'perfume',
        names: ['perfume', 'fragrance', 'cologne', 'eau de parfum', 'eau de toilette'],
      },
    ],
  },
  {
    name: 'Books',
    term: 'book',
    names: ['book', 'books', 'novel', 'paperback', 'hardcover'],
    labelOnly: ['publication'],
  },
  {
    name: 'Toys & Games',
    term: 'toy',
    names: ['toy', 'toys'],
    children: [
      {
        name: 'Stuffed Animals',
        term: 'stuffed animal',
        names: ['teddy bear', 'plush', 'stuffed animal', 'plush toy'],
      },
      { name: 'Kites', term: 'kite', names: ['kite'] },
      { name: 'Board Games', term: 'board game', names: ['board game', 'puzzle', 'jigsaw'] },
    ],
  },
  {
    name: 'Sports & Outdoors',
    term: 'sports',
    labelOnly: ['sport', 'sports', 'sports equipment'],
    children: [
      {
        name: 'Balls',
        term: 'ball',
        names: ['sports ball', 'football', 'soccer ball', 'basketball', 'volleyball'],
        labelOnly: ['ball'],
      },
      { name: 'Skateboards', term: 'skateboard', names: ['skateboard', 'longboard'] },
      { name: 'Surfboards', term: 'surfboard', names: ['surfboard'] },
      { name: 'Tennis Rackets', term: 'tennis racket', names: ['tennis racket', 'racket', 'racquet'] },
      { name: 'Skis & Snowboards', term: 'skis', names: ['skis', 'ski', 'snowboard'] },
      { name: 'Baseball', term: 'baseball', names: ['baseball bat', 'baseball glove', 'baseball'] },
      { name: 'Frisbees', term: 'frisbee', names: ['frisbee', 'flying disc'] },
      { name: 'Bicycles', term: 'bicycle', names: ['bicycle', 'bike', 'mountain bike', 'road bike'] },
    ],
  },
  {
    name: 'Vehicles',
    term: 'vehicle',
    labelOnly: ['vehicle', 'transportation', 'automobile'],
    children: [
      { name: 'Cars', term: 'car', names: ['car', 'sedan', 'suv'] },
      { name: 'Motorcycles', term: 'motorcycle', names: ['motorcycle', 'motorbike', 'scooter'] },
      { name: 'Trucks', term: 'truck', names: ['truck', 'pickup truck'] },
      { name: 'Boats', term: 'boat', names: ['boat', 'kayak', 'canoe'] },
    ],
  },
  {
    name: 'Grocery',
    term: 'food',
    names: ['grocery', 'groceries'],
    labelOnly: ['food', 'meal'],
    children: [
      {
        name: 'Beverages',
        term: 'drink',
        names: ['beverage', 'beverages', 'drink', 'drinks'],
        children: [
          { name: 'Water', term: 'water', names: ['water', 'mineral water', 'spring water', 'sparkling water'] },
          { name: 'Coffee', term: 'coffee', names: ['coffee', 'coffee beans', 'ground coffee', 'espresso'] },
          { name: 'Tea', term: 'tea', names: ['tea', 'green tea', 'tea bags'] },
          { name: 'Juice', term: 'juice', names: ['juice', 'orange juice', 'smoothie'] },
          { name: 'Soft Drinks', term: 'soda', names: ['soda', 'cola', 'lemonade', 'soft drink'] },
          { name: 'Wine', term: 'wine', names: ['wine', 'red wine', 'white wine', 'wine bottle'] },
          { name: 'Beer', term: 'beer', names: ['beer', 'lager', 'ale'] },
        ],
      },
      { name: 'Fruit', term: 'fruit', names: ['fruit', 'banana'], labelOnly: ['apple', 'orange'] },
      { name: 'Vegetables', term: 'vegetables', names: ['vegetable', 'vegetables', 'broccoli', 'carrot'] },
      { name: 'Bakery', term: 'bakery', names: ['cake', 'donut', 'doughnut', 'bread', 'cookies', 'pastry'] },
      { name: 'Prepared Food', term: 'food', names: ['pizza', 'sandwich', 'hot dog', 'burger'] },
      { name: 'Snacks', term: 'snack', names: ['chips', 'chocolate', 'candy', 'snack', 'crisps'] },
    ],
  },
  {
    name: 'Office Supplies',
    term: 'office supplies',
    names: ['office supplies', 'stationery'],
    children: [
      { name: 'Scissors', term: 'scissors', names: ['scissors'] },
      { name: 'Pens', term: 'pen', names: ['pen', 'pencil', 'marker'] },
    ],
  },
];

/**
 * Detector labels that are not products: seen in photos of products, never the answer.
 * Kept here so that "not in the taxonomy" and "deliberately ignored" are told apart.
 */
export const NON_PRODUCT_LABELS = new Set([
  'person',
  'people',
  'human',
  'man',
  'woman',
  'face',
  'cat',
  'dog',
  'bird',
  'horse',
  'sheep',
  'cow',
  'elephant',
  'bear',
  'zebra',
  'giraffe',
  'animal',
  'pet',
  'mammal',
  'traffic light',
  'fire hydrant',
  'stop sign',
  'parking meter',
  'airplane',
  'bus',
  'train',
  'text',
  'logo',
  'label',
  'box',
  'cardboard',
  'carton',
  'package',
  'packaging',
  'rocket',
  'outdoors',
  'nature',
  'sky',
  'wood',
  'floor',
  'wall',
]);
