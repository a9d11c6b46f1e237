import { Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { allConfigs } from './configuration';

/**
 * Global typed configuration. The .env file (if any) is loaded by main.ts before anything
 * else, so a bad value is reported with the same single line whether it came from .env or
 * from the environment.
 */
@Module({
  imports: [NestConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs })],
})
export class AppConfigModule {}
