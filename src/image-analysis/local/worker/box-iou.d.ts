/** Intersection over union of two boxes [x, y, w, h]; 0 when both are empty (box-iou.js). */
export function iou(a: readonly number[], b: readonly number[]): number;
