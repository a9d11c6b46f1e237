import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Both src/config and dist/config sit two levels below the project root.
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  description?: string;
};

export const SERVICE_NAME = 'media-service';
export const SERVICE_VERSION = manifest.version;
