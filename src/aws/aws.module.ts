import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { TranscribeClient } from '@aws-sdk/client-transcribe';
import { Global, Inject, Injectable, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { awsConfig, AwsConfig } from '../config/configuration';
import { instrumentAwsClient, propagateTraceToAws } from '../metrics/aws-client-metrics';
import { REKOGNITION_CLIENT, S3_CLIENT, TRANSCRIBE_CLIENT } from './aws.tokens';
import { boundCallTime } from './call-deadline';

type ClientConfig = Pick<AwsConfig, 'region' | 'credentials' | 'requestTimeoutMs'>;

/**
 * Every outward call has a bound (AWS_REQUEST_TIMEOUT_MS): connection timeout, a per-attempt
 * timeout that really throws (smithy 4.x only logs one without throwOnRequestTimeout), an
 * idle-socket timeout that also bounds streamed bodies and slow multipart parts, and a deadline
 * over the whole call with its retries (boundCallTime). Keep-alive pools, 3 attempts.
 */
function commonOptions(config: ClientConfig) {
  return {
    region: config.region,
    // undefined: the SDK's default chain (environment, SSO/profile, web identity, ECS/EC2 roles).
    credentials: config.credentials,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(5_000, config.requestTimeoutMs),
      requestTimeout: config.requestTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: config.requestTimeoutMs,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
    }),
  };
}

export function createTranscribeClient(config: ClientConfig & { transcribeEndpoint?: string }): TranscribeClient {
  return boundCallTime(
    new TranscribeClient({ ...commonOptions(config), endpoint: config.transcribeEndpoint }),
    config.requestTimeoutMs,
  );
}

export function createRekognitionClient(config: ClientConfig & { rekognitionEndpoint?: string }): RekognitionClient {
  return boundCallTime(
    new RekognitionClient({ ...commonOptions(config), endpoint: config.rekognitionEndpoint }),
    config.requestTimeoutMs,
  );
}

export function createS3Client(config: ClientConfig & Pick<AwsConfig, 's3Endpoint' | 's3ForcePathStyle'>): S3Client {
  const client = new S3Client({
    ...commonOptions(config),
    endpoint: config.s3Endpoint,
    forcePathStyle: config.s3ForcePathStyle,
    // With the default (WHEN_SUPPORTED) presigned URLs carry checksum parameters and some
    // S3-compatible stores reject or corrupt streamed bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return boundCallTime(client, config.requestTimeoutMs);
}

/** Counted, billed (metrics) and carrying the caller's trace. */
function traced<C extends TranscribeClient | RekognitionClient>(client: C, service: 'transcribe' | 'rekognition'): C {
  propagateTraceToAws(client);
  return instrumentAwsClient(client, service);
}

@Injectable()
class AwsClientsLifecycle implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(S3_CLIENT) private readonly s3: S3Client | null,
    @Optional() @Inject(TRANSCRIBE_CLIENT) private readonly transcribe: TranscribeClient | null,
    @Optional() @Inject(REKOGNITION_CLIENT) private readonly rekognition: RekognitionClient | null,
  ) {}

  onApplicationShutdown(): void {
    // Closes keep-alive sockets so the process can exit promptly.
    for (const client of [this.s3, this.transcribe, this.rekognition]) client?.destroy();
  }
}

/**
 * The AWS SDK clients as injectable singletons, built from config. A client no selected
 * backend needs is never created (its token resolves to null).
 */
@Global()
@Module({
  providers: [
    {
      provide: S3_CLIENT,
      inject: [awsConfig.KEY],
      useFactory: (config: AwsConfig) => (config.needs.s3 ? instrumentAwsClient(createS3Client(config), 's3') : null),
    },
    {
      provide: TRANSCRIBE_CLIENT,
      inject: [awsConfig.KEY],
      useFactory: (config: AwsConfig) =>
        config.needs.transcribe ? traced(createTranscribeClient(config), 'transcribe') : null,
    },
    {
      provide: REKOGNITION_CLIENT,
      inject: [awsConfig.KEY],
      useFactory: (config: AwsConfig) =>
        config.needs.rekognition ? traced(createRekognitionClient(config), 'rekognition') : null,
    },
    AwsClientsLifecycle,
  ],
  exports: [S3_CLIENT, TRANSCRIBE_CLIENT, REKOGNITION_CLIENT],
})
export class AwsModule {}
