'use strict';
// Intersection over union of two boxes [x, y, w, h] (any unit, the same for both). Plain
// JavaScript so that the worker threads (ssd-detector.js) and the merging on the main thread
// (merge-detections.ts) share one implementation.

/** @param {number[]} a @param {number[]} b @returns {number} 0..1; 0 when both are empty */
function iou(a, b) {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

module.exports = { iou };
