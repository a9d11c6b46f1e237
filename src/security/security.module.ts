import { Global, Module } from '@nestjs/common';
import { CallbackUrlPolicy, HOST_RESOLVER, systemResolver } from './callbacks/callback-url.policy';

/** Policies every feature applies to what callers send: callback targets (and malware scanning). */
@Global()
@Module({
  providers: [CallbackUrlPolicy, { provide: HOST_RESOLVER, useValue: systemResolver }],
  exports: [CallbackUrlPolicy],
})
export class SecurityModule {}
