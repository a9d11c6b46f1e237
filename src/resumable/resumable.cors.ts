/**
 * What a browser needs for tus when CORS is on: the app's CORS policy (security/http-security.ts)
 * adds these to its allowed and exposed headers (tus's own CORS headers are removed so one policy
 * decides).
 */
export const TUS_CORS_ALLOWED_HEADERS = [
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Offset',
  'Upload-Defer-Length',
  'Upload-Concat',
  'Content-Type',
  'X-HTTP-Method-Override',
  'X-Requested-With',
];

export const TUS_CORS_EXPOSED_HEADERS = [
  'Location',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Expires',
  'Media-Id',
];

export const TUS_CORS_METHODS = ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'GET'];
