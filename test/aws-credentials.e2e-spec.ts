import { GetTranscriptionJobCommand } from '@aws-sdk/client-transcribe';
import { Logger } from '@nestjs/common';
import { createS3Client, createTranscribeClient } from '../src/aws/aws.module';
import { awsConfig } from '../src/config/configuration';
import { S3ObjectStore } from '../src/storage/s3-object-store';
import { EnvValues, withEnv } from './support/env';
import { FakeAws, jsonReply } from './support/fake-aws';

/** awsConfig() as the service builds it from these environment variables. */
const configFrom = (env: EnvValues) => withEnv(env, () => awsConfig());

describe('AWS credentials: temporary keys sign calls and presigned URLs', () => {
  let fake: FakeAws;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    fake = await FakeAws.start((request) =>
      request.operation
        ? jsonReply({ TranscriptionJob: { TranscriptionJobName: 'j', TranscriptionJobStatus: 'IN_PROGRESS' } })
        : { status: 200, headers: { 'content-length': '3', etag: '"e"' } },
    );
  });
  afterAll(() => fake.close());

  it('without keys the default provider chain is left to the SDK', () => {
    expect(configFrom({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }).credentials).toBeUndefined();
  });

  it('AWS_SESSION_TOKEN goes with the keys: X-Amz-Security-Token on every call and in presigned URLs', async () => {
    const config = configFrom({
      AWS_ACCESS_KEY_ID: 'ASIAFAKETEMPORARY',
      AWS_SECRET_ACCESS_KEY: 'temporary-secret',
      AWS_SESSION_TOKEN: 'session-token-from-sts',
      AWS_REGION: 'eu-west-1',
      S3_ENDPOINT: fake.url,
      S3_FORCE_PATH_STYLE: 'true',
      STORAGE_DRIVER: 's3',
    });
    const s3 = createS3Client(config);
    const transcribe = createTranscribeClient({ ...config, transcribeEndpoint: fake.url });
    const store = new S3ObjectStore(s3, { bucket: 'bucket', prefix: '' });
    try {
      await store.head('media/x/original');
      await transcribe.send(new GetTranscriptionJobCommand({ TranscriptionJobName: 'j' }));
      expect(fake.requests).toHaveLength(2);
      for (const request of fake.requests) {
        expect(request.headers['x-amz-security-token']).toBe('session-token-from-sts');
        expect(request.headers.authorization).toContain('Credential=ASIAFAKETEMPORARY/');
      }
      const put = await store.presignPut('media/x/original', {
        contentType: 'audio/wav',
        contentLength: 10,
        expiresInSeconds: 60,
      });
      const get = await store.presignGet('media/x/original', { expiresInSeconds: 60 });
      for (const url of [put.url, get.url]) {
        expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe('session-token-from-sts');
      }
    } finally {
      s3.destroy();
      transcribe.destroy();
    }
  });
});
