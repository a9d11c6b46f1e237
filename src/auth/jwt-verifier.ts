import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { securityConfig, SecurityConfig } from '../config/configuration';

/** Why a token was refused; `reason` goes into the WWW-Authenticate error_description. */
export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The key set could not be fetched: a fault on our side (503), not the caller's token. */
export class KeySetUnavailable extends Error {}

export interface VerifiedToken {
  owner: string;
  scopes: string[];
  claims: JWTPayload;
}

/** Algorithms per key source: a shared secret never verifies an RS/ES token and the reverse. */
const HMAC_ALGORITHMS = ['HS256'];
const KEY_SET_ALGORITHMS = ['RS256', 'ES256'];
/** A key set is refetched at most this often when an unknown `kid` shows up. */
const JWKS_COOLDOWN_MS = 30_000;
/** Keys are kept this long before being refetched. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

/** Bearer tokens checked with jose: signature, algorithm, exp/nbf, issuer, audience. */
@Injectable()
export class JwtVerifier {
  private readonly key?: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(@Inject(securityConfig.KEY) private readonly config: SecurityConfig) {
    const auth = config.auth;
    if (auth.jwtSecret) {
      this.key = new TextEncoder().encode(auth.jwtSecret);
      this.algorithms = HMAC_ALGORITHMS;
    } else {
      this.algorithms = KEY_SET_ALGORITHMS;
      if (auth.jwksUrl) {
        this.key = createRemoteJWKSet(new URL(auth.jwksUrl), {
          timeoutDuration: auth.jwksTimeoutMs,
          cooldownDuration: JWKS_COOLDOWN_MS,
          cacheMaxAge: JWKS_MAX_AGE_MS,
        });
      }
    }
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (!this.key) throw new TokenRejected('authentication is not configured');
    const auth = this.config.auth;
    let claims: JWTPayload;
    try {
      const verified = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: auth.issuer,
        audience: auth.audience,
        clockTolerance: auth.clockToleranceSeconds,
      });
      claims = verified.payload;
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        throw new KeySetUnavailable((error as Error).message, { cause: error });
      }
      throw new TokenRejected(describe(error));
    }
    const owner = claims[auth.ownerClaim];
    if (typeof owner !== 'string' || owner === '') {
      throw new TokenRejected(`the token has no ${auth.ownerClaim} claim`);
    }
    return { owner, scopes: scopesOf(claims), claims };
  }
}

/** OAuth 2 puts scopes in a space-separated `scope`; some issuers send `scp` as an array. */
function scopesOf(claims: JWTPayload): string[] {
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === 'string') return raw.split(/\s+/).filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((item): item is string => typeof item === 'string');
  return [];
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the key set matches the token';
  if (error instanceof errors.JOSEError) return 'the token is malformed';
  return 'the token could not be verified';
}
