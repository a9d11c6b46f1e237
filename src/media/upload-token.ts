import { HttpStatus } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export interface UploadTokenClaims {
  /** media id */
  mid: string;
  /** exact byte count the client announced */
  len: number;
  /** expiry, seconds since the epoch */
  exp: number;
  /** the owner who started the upload (a tag of it) */
  own?: string;
}

/**
 * The local driver's stand-in for an S3 presigned PUT: base64url(claims).base64url(HMAC-SHA256),
 * bound to one media id and size, expiring. Compared in constant time.
 */
export class UploadTokenSigner {
  constructor(private readonly secret: string | Buffer) {}

  sign(claims: UploadTokenClaims): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  verify(token: string | undefined, mediaId: string, now = Date.now()): UploadTokenClaims {
    const forbidden = (message: string) => new AppException(ErrorCode.FORBIDDEN, message, HttpStatus.FORBIDDEN);
    if (!token || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) throw forbidden('Missing or malformed upload token');
    const [body, mac] = token.split('.');
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw forbidden('Invalid upload token');
    }
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as UploadTokenClaims;
    if (claims.mid !== mediaId) throw forbidden('This upload token is for another media');
    if (claims.exp * 1000 < now) {
      throw new AppException(ErrorCode.UPLOAD_URL_EXPIRED, 'The upload URL has expired', HttpStatus.FORBIDDEN, {
        expired_at: new Date(claims.exp * 1000).toISOString(),
      });
    }
    return claims;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
