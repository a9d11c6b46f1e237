import { Global, Inject, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { securityConfig, SecurityConfig } from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import { CallerContext } from './caller-context';
import { JwtVerifier } from './jwt-verifier';

/**
 * Authentication and the current caller. Global so every feature's services can ask
 * CallerContext for the owner. The guards are registered in AppModule (order matters: the
 * auth guard runs before the rate limiter, which counts per owner).
 */
@Global()
@Module({
  providers: [CallerContext, JwtVerifier],
  exports: [CallerContext, JwtVerifier],
})
export class AuthModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(securityConfig.KEY) private readonly config: SecurityConfig,
    readiness: ReadinessRegistry,
  ) {
    readiness.register('auth', () => ({
      ready: true,
      mode: config.auth.mode === 'none' ? 'disabled' : 'jwt',
      ...(config.auth.mode === 'jwt' ? { keys: config.auth.jwksUrl ? 'jwks' : 'shared-secret' } : {}),
    }));
  }

  onApplicationBootstrap(): void {
    if (this.config.auth.mode === 'none') {
      this.logger.warn('AUTH_MODE=none: every /api/v1 route is open and all records belong to one anonymous owner');
    }
  }
}
