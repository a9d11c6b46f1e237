// Control (Cc), format (Cf: zero-width spaces and joiners, bidi overrides, BOM, soft hyphen) and
// line/paragraph separator characters: invisible or misleading in a name shown to people.
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const MAX_LENGTH = 200;

/**
 * The original file name made safe to keep and to echo: no directories (either separator), no
 * control or bidi-override characters, trimmed, at most 200 characters (the extension kept).
 * Falls back to `fallback` when nothing usable is left.
 */
export function sanitizeFilename(name: string | undefined, fallback: string): string {
  if (!name) return fallback;
  let clean = name.normalize('NFC').replace(CONTROL, '');
  clean = clean.slice(Math.max(clean.lastIndexOf('/'), clean.lastIndexOf('\\')) + 1);
  clean = clean.replace(/\s+/g, ' ').trim().replace(/^\.+/, '').trim();
  if (!clean) return fallback;
  const chars = [...clean];
  if (chars.length > MAX_LENGTH) {
    const dot = clean.lastIndexOf('.');
    const extension = dot > 0 && clean.length - dot <= 10 ? clean.slice(dot) : '';
    clean = chars.slice(0, MAX_LENGTH - [...extension].length).join('') + extension;
  }
  return clean;
}

/** Content-Disposition for a download: an ASCII fallback plus the exact name (RFC 6266 / 5987). */
export function contentDisposition(filename: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
