import { Global, Module } from '@nestjs/common';
import { securityConfig, SecurityConfig } from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import { CallbackUrlPolicy, HOST_RESOLVER, systemResolver } from './callbacks/callback-url.policy';
import { ClamavScanner } from './malware/clamav-scanner';
import { MALWARE_SCANNER, MalwareScanner, NoMalwareScanner } from './malware/malware-scanner';

/** Policies every feature applies to what callers send: callback targets and malware scanning. */
@Global()
@Module({
  providers: [
    CallbackUrlPolicy,
    { provide: HOST_RESOLVER, useValue: systemResolver },
    {
      provide: MALWARE_SCANNER,
      inject: [securityConfig.KEY, ReadinessRegistry],
      useFactory: (config: SecurityConfig, readiness: ReadinessRegistry): MalwareScanner => {
        const { scanner, host, port, socket, timeoutMs, failOpen } = config.malware;
        const chosen =
          scanner === 'clamav' ? new ClamavScanner({ host, port, socket, timeoutMs }) : new NoMalwareScanner();
        readiness.register('malware_scanner', async () => {
          const report = await chosen.readiness();
          // Failing open, uploads still work without the scanner: readiness says so but stays up.
          return failOpen && !report.ready ? { ...report, ready: true, degraded: true } : report;
        });
        return chosen;
      },
    },
  ],
  exports: [CallbackUrlPolicy, MALWARE_SCANNER],
})
export class SecurityModule {}
