import type { RekognitionClient } from '@aws-sdk/client-rekognition';
import type { TranscribeClient } from '@aws-sdk/client-transcribe';
import { traceHeaders } from '../tracing/trace-context';
import { AwsService, mediaMetrics, Outcome } from './media-metrics';

type SendingClient = { send: (...args: never[]) => Promise<unknown> };

function outcomeOfAwsError(error: unknown): Outcome {
  const fault = (error as { $fault?: string })?.$fault;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (fault === 'client' || (status !== undefined && status >= 400 && status < 500)) return 'client_error';
  return 'failed';
}

/**
 * Every call a client sends is counted (service, operation, outcome) and billed from the price
 * table. It wraps `send` rather than adding a middleware so that calls answered by a test double
 * at the client (aws-sdk-client-mock stubs the prototype's send) are seen exactly as real ones.
 * Presigned URLs never go through send: S3 bills those when the holder uses them, unseen here.
 */
export function instrumentAwsClient<C extends SendingClient>(client: C, service: AwsService): C {
  const ownSend = Object.prototype.hasOwnProperty.call(client, 'send') ? client.send : undefined;
  const send = (command: { constructor: { name: string } }, ...rest: unknown[]) => {
    const operation = command.constructor.name.replace(/Command$/, '');
    // Looked up per call: a stub installed on the prototype after this wrapper still answers. A
    // send the client already had of its own (the call deadline of aws.module) stays in the chain.
    const original = (ownSend ?? Object.getPrototypeOf(client).send) as (...args: unknown[]) => Promise<unknown>;
    const result = original.call(client, command, ...rest);
    return result.then(
      (output) => {
        mediaMetrics.awsCall(service, operation, 'success');
        return output;
      },
      (error: unknown) => {
        mediaMetrics.awsCall(service, operation, outcomeOfAwsError(error));
        throw error;
      },
    );
  };
  Object.defineProperty(client, 'send', { value: send, writable: true, configurable: true });
  return client;
}

/**
 * The caller's trace on Transcribe and Rekognition requests: W3C traceparent and AWS X-Ray's
 * X-Amzn-Trace-Id (which AWS services log and propagate). Not on S3: presigned URLs would sign
 * the headers in and then require every holder to send them.
 */
export function propagateTraceToAws(client: TranscribeClient | RekognitionClient): void {
  (client.middlewareStack as TranscribeClient['middlewareStack']).add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      const headers = traceHeaders();
      if (request.headers && headers.traceparent) {
        const [, traceId, spanId, flags] = headers.traceparent.split('-');
        request.headers.traceparent = headers.traceparent;
        request.headers['x-amzn-trace-id'] =
          `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=${flags === '01' ? 1 : 0}`;
      }
      return next(args);
    },
    { step: 'build', name: 'mediaServiceTraceContext' },
  );
}
