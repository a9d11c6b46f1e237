import { DetectLabelsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { childOf, configureTracing, runWithTrace } from '../tracing/trace-context';
import { propagateTraceToAws } from './aws-client-metrics';
import { DEFAULT_AWS_PRICES, loadPriceTable, s3RequestPrice, transcribePrice, validatePriceTable } from './aws-prices';

describe('trace context on AWS requests', () => {
  it('sends traceparent and X-Amzn-Trace-Id of the current trace (seen by the HTTP handler)', async () => {
    configureTracing({ enabled: true, otel: false });
    const seen: Record<string, string>[] = [];
    const client = new RekognitionClient({
      region: 'us-west-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      // A request handler that answers without any network: it records what would be sent.
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) => {
          seen.push({ ...request.headers });
          const body = Buffer.from('{"Labels":[]}');
          return {
            response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body },
          };
        },
      } as never,
    });
    propagateTraceToAws(client);
    const trace = childOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    await runWithTrace(trace, () => client.send(new DetectLabelsCommand({ Image: { Bytes: new Uint8Array(4) } })));
    expect(seen[0].traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${trace.spanId}-01`);
    expect(seen[0]['x-amzn-trace-id']).toBe(
      `Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=${trace.spanId};Sampled=1`,
    );
    // Outside any trace nothing is added.
    await client.send(new DetectLabelsCommand({ Image: { Bytes: new Uint8Array(4) } }));
    expect(seen[1].traceparent).toBeUndefined();
  });
});

describe('AWS price table', () => {
  it('bills Transcribe in whole seconds with the 15 s minimum', () => {
    expect(transcribePrice(DEFAULT_AWS_PRICES, 3)).toBeCloseTo(15 * 0.0004, 12);
    expect(transcribePrice(DEFAULT_AWS_PRICES, 15.01)).toBeCloseTo(16 * 0.0004, 12);
    expect(transcribePrice(DEFAULT_AWS_PRICES, 60)).toBeCloseTo(0.024, 12);
  });

  it('prices S3 requests by class, DELETE free', () => {
    expect(s3RequestPrice(DEFAULT_AWS_PRICES, 'PutObject')).toBe(0.000005);
    expect(s3RequestPrice(DEFAULT_AWS_PRICES, 'UploadPart')).toBe(0.000005);
    expect(s3RequestPrice(DEFAULT_AWS_PRICES, 'GetObject')).toBe(0.0000004);
    expect(s3RequestPrice(DEFAULT_AWS_PRICES, 'HeadObject')).toBe(0.0000004);
    expect(s3RequestPrice(DEFAULT_AWS_PRICES, 'DeleteObject')).toBe(0);
  });

  it('names every bad field of a replacement table', () => {
    expect(() =>
      validatePriceTable({ region: 'eu-west-1', read_on: 'yesterday', transcribe: { per_second: 'x' } }, 'p.json'),
    ).toThrow(
      /read_on must be a date YYYY-MM-DD; transcribe\.per_second must be a number >= 0; transcribe\.minimum_seconds .*rekognition\.per_image must be an object/,
    );
    expect(() => loadPriceTable('/nonexistent/prices.json')).toThrow(/cannot be read \(ENOENT\)/);
    expect(validatePriceTable(JSON.parse(JSON.stringify(DEFAULT_AWS_PRICES)), 'copy')).toEqual(DEFAULT_AWS_PRICES);
  });
});
