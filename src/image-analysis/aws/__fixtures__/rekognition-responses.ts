import type {
  BoundingBox,
  DetectFacesCommandOutput,
  DetectLabelsCommandOutput,
  DetectModerationLabelsCommandOutput,
  DetectTextCommandOutput,
  TextDetection,
} from '@aws-sdk/client-rekognition';

/*
 * Response bodies shaped exactly like Rekognition's (field names, casing, 0-100 confidences,
 * ratio bounding boxes, Instances/Parents/Aliases/Categories, Geometry with Polygon), as the SDK
 * hands them back (with $metadata).
 */
const metadata = {
  httpStatusCode: 200,
  requestId: 'f3b1c6de-5a1e-4d36-9c55-0d9c2b7c1a11',
  attempts: 1,
  totalRetryDelay: 0,
};

export const detectLabelsResponse: DetectLabelsCommandOutput = {
  $metadata: metadata,
  LabelModelVersion: '3.0',
  Labels: [
    {
      Name: 'Monitor',
      Confidence: 98.71234130859375,
      Instances: [
        {
          BoundingBox: { Width: 0.6512, Height: 0.7299, Left: 0.1755, Top: 0.1342 },
          Confidence: 97.4432144165039,
        },
      ],
      Parents: [{ Name: 'Computer Hardware' }, { Name: 'Electronics' }, { Name: 'Hardware' }, { Name: 'Screen' }],
      Aliases: [{ Name: 'Display' }],
      Categories: [{ Name: 'Technology and Computing' }],
    },
    {
      Name: 'Electronics',
      Confidence: 98.71234130859375,
      Instances: [],
      Parents: [],
      Aliases: [],
      Categories: [{ Name: 'Technology and Computing' }],
    },
    {
      Name: 'Cup',
      Confidence: 91.20001220703125,
      Instances: [
        { BoundingBox: { Width: 0.12, Height: 0.2, Left: 0.85, Top: 0.7 }, Confidence: 91.20001220703125 },
        // A box running past the right edge, as Rekognition sometimes reports.
        { BoundingBox: { Width: 0.2, Height: 0.1, Left: 0.9, Top: -0.01 }, Confidence: 88.5 },
        { BoundingBox: { Width: 0.05, Height: 0.05, Left: 0.1, Top: 0.1 }, Confidence: 55.1 },
      ],
      Parents: [{ Name: 'Tableware' }],
      Aliases: [],
      Categories: [{ Name: 'Kitchen and Dining' }],
    },
  ],
};

const corner = (a: number, b: number) => Number((a + b).toFixed(4));

/** A LINE as DetectText gives it for upright text: its Polygon the four corners of its box. */
function textLine(
  Id: number,
  DetectedText: string,
  Confidence: number,
  BoundingBox: Required<BoundingBox>,
): TextDetection {
  const { Left, Top, Width, Height } = BoundingBox;
  const [right, bottom] = [corner(Left, Width), corner(Top, Height)];
  const Polygon = [
    { X: Left, Y: Top },
    { X: right, Y: Top },
    { X: right, Y: bottom },
    { X: Left, Y: bottom },
  ];
  return { DetectedText, Type: 'LINE', Id, Confidence, Geometry: { BoundingBox, Polygon } };
}

/** A WORD of the line ParentId (this fixture leaves words' Polygon empty). */
function textWord(
  Id: number,
  ParentId: number,
  DetectedText: string,
  Confidence: number,
  BoundingBox: BoundingBox,
): TextDetection {
  return { DetectedText, Type: 'WORD', Id, ParentId, Confidence, Geometry: { BoundingBox, Polygon: [] } };
}

export const detectTextResponse: DetectTextCommandOutput = {
  $metadata: metadata,
  TextModelVersion: '3.0',
  TextDetections: [
    textLine(0, '27 inch Monitor 4K', 99.53443908691406, { Width: 0.4431, Height: 0.0862, Left: 0.2782, Top: 0.3167 }),
    textLine(1, 'Model NV-27U', 98.1139144897461, { Width: 0.2512, Height: 0.0601, Left: 0.3744, Top: 0.4621 }),
    textWord(2, 0, '27', 99.8, { Width: 0.05, Height: 0.08, Left: 0.2782, Top: 0.3167 }),
    textWord(4, 0, 'Monitor', 99.1, { Width: 0.16, Height: 0.08, Left: 0.48, Top: 0.3167 }),
    textWord(7, 1, 'NV-27U', 97.9, { Width: 0.12, Height: 0.06, Left: 0.5, Top: 0.4621 }),
    textWord(9, 1, 'x', 41.2, { Width: 0.01, Height: 0.02, Left: 0.9, Top: 0.9 }),
  ],
};

export const detectFacesResponse: DetectFacesCommandOutput = {
  $metadata: metadata,
  FaceDetails: [
    {
      BoundingBox: { Width: 0.2835, Height: 0.3612, Left: 0.2951, Top: 0.0887 },
      AgeRange: { Low: 38, High: 46 },
      Smile: { Value: true, Confidence: 97.2 },
      Gender: { Value: 'Female', Confidence: 99.9 },
      Emotions: [
        { Type: 'CALM', Confidence: 2.1 },
        { Type: 'HAPPY', Confidence: 96.5 },
        { Type: 'SURPRISED', Confidence: 0.9 },
      ],
      Landmarks: [{ Type: 'eyeLeft', X: 0.39, Y: 0.21 }],
      Pose: { Roll: -2.1, Yaw: 3.4, Pitch: 5.6 },
      Quality: { Brightness: 78.1, Sharpness: 92.2 },
      Confidence: 99.99900817871094,
      FaceOccluded: { Value: false, Confidence: 99.1 },
      EyeDirection: { Yaw: 1.2, Pitch: -3.4, Confidence: 99.0 },
    },
  ],
};

export const detectModerationResponse: DetectModerationLabelsCommandOutput = {
  $metadata: metadata,
  ModerationModelVersion: '7.0',
  ModerationLabels: [
    { Confidence: 93.1, Name: 'Swimwear or Underwear', ParentName: 'Suggestive', TaxonomyLevel: 2 },
    { Confidence: 93.1, Name: 'Suggestive', ParentName: '', TaxonomyLevel: 1 },
  ],
};
