import { context as otelContext, propagation, ROOT_CONTEXT, trace as otelTrace } from '@opentelemetry/api';
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import { currentScope, runInScope, WorkScope } from '../common/context/work-scope';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) without the OpenTelemetry SDK: every
 * request gets a trace (the caller's, from `traceparent`, or a new one) and a span id of its own;
 * logs, callbacks and AWS calls carry it. When the SDK runs (OTEL_EXPORTER_OTLP_ENDPOINT), its
 * active span is the source of truth instead, so ids in logs match the exported spans.
 */
export interface TraceContext {
  traceId: string;
  spanId: string;
  /** The caller's span, when a traceparent came in. */
  parentSpanId?: string;
  /** Two hex digits; 01 = sampled. */
  flags: string;
  tracestate?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);
// tracestate: at most 32 list members, 512 characters; anything longer or odd is dropped, not echoed.
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;

const onRequest = Symbol('traceContext');
const state = { enabled: true, otel: false };
const TRACER_NAME = 'media-service';

/** Set once at start from config: tracing off makes every helper a no-op. */
export function configureTracing(options: { enabled: boolean; otel: boolean }): void {
  state.enabled = options.enabled;
  state.otel = options.enabled && options.otel;
}

export function tracingEnabled(): boolean {
  return state.enabled;
}

export function otelActive(): boolean {
  return state.otel;
}

// Random bytes drawn 4 KB at a time: one randomBytes call per request costs ~20 µs on a busy machine.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

/** A valid traceparent's parts, or undefined (then the caller's header is ignored, as the spec says). */
export function parseTraceparent(
  header: string | undefined,
): { traceId: string; spanId: string; flags: string } | undefined {
  if (!header) return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is forbidden; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest)) return undefined;
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(trace: Pick<TraceContext, 'traceId' | 'spanId' | 'flags'>): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}

/** A child of the given traceparent (or a new root): what a unit of work started from it runs in. */
export function childOf(traceparent: string | undefined, tracestate?: string): TraceContext {
  const parent = parseTraceparent(traceparent);
  const state = tracestate && TRACESTATE.test(tracestate) ? tracestate : undefined;
  return parent
    ? {
        traceId: parent.traceId,
        spanId: newSpanId(),
        parentSpanId: parent.spanId,
        flags: parent.flags,
        tracestate: state,
      }
    : { traceId: newTraceId(), spanId: newSpanId(), flags: '01' };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request's trace, decided once (the logger and the middleware both ask). */
export function traceOfRequest(req: IncomingMessage): TraceContext | undefined {
  if (!state.enabled) return undefined;
  const tagged = req as IncomingMessage & { [onRequest]?: TraceContext };
  if (!tagged[onRequest]) {
    tagged[onRequest] = otelTraceContext() ?? childOf(header(req, 'traceparent'), header(req, 'tracestate'));
  }
  return tagged[onRequest];
}

function otelTraceContext(): TraceContext | undefined {
  if (!state.otel) return undefined;
  const span = otelTrace.getActiveSpan()?.spanContext();
  if (!span || span.traceId === INVALID_TRACE_ID) return undefined;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    flags: span.traceFlags.toString(16).padStart(2, '0'),
    tracestate: span.traceState?.serialize(),
  };
}

/** The trace of the work running now (a request or a background job), if any. */
export function currentTrace(): TraceContext | undefined {
  if (!state.enabled) return undefined;
  return otelTraceContext() ?? currentScope()?.trace;
}

/** Runs `work` as a unit of work of its own in `trace`, its log lines carrying the trace. */
export function runWithTrace<T>(trace: TraceContext | undefined, work: () => T): T {
  // The caller stays: whatever started the work keeps acting for the same owner.
  return trace ? runInScope(new WorkScope(() => loggerOfTrace(trace), trace, currentScope()?.caller), work) : work();
}

/** Headers that carry the current trace to the next service (callbacks, AWS). */
export function traceHeaders(): Record<string, string> {
  if (!state.enabled) return {};
  if (state.otel) {
    const carrier: Record<string, string> = {};
    propagation.inject(otelContext.active(), carrier);
    if (carrier.traceparent) return carrier;
  }
  const trace = currentScope()?.trace;
  if (!trace) return {};
  return {
    traceparent: formatTraceparent(trace),
    ...(trace.tracestate ? { tracestate: trace.tracestate } : {}),
  };
}

/** The current traceparent, to keep with work that runs later (a queued job). */
export function currentTraceparent(): string | undefined {
  return traceHeaders().traceparent;
}

/**
 * Runs background work (a queued job) as a child of the trace it was submitted under. With
 * the SDK on, the work is an exported span of that trace.
 */
export async function runInTraceOf<T>(traceparent: string | undefined, spanName: string, work: () => Promise<T>) {
  if (!state.enabled) return work();
  if (state.otel) {
    const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
    return otelTrace.getTracer(TRACER_NAME).startActiveSpan(spanName, {}, parent, async (span) => {
      try {
        return await withJobLogger(work);
      } finally {
        span.end();
      }
    });
  }
  return runWithTrace(childOf(traceparent), work);
}

/**
 * Log lines of background work carry its trace, not the request that happened to start the queue.
 * With the SDK on, the trace is the span just started (a new scope, with no trace of its own).
 */
function withJobLogger<T>(work: () => Promise<T>): Promise<T> {
  return runInScope(new WorkScope(() => loggerOfTrace(currentTrace()), undefined, currentScope()?.caller), work);
}

function loggerOfTrace(trace: TraceContext | undefined) {
  const root = PinoLogger.root as PinoLogger['logger'] | undefined;
  return root?.child(traceLogFields(trace));
}

/** An engine step as a span of the current trace; only when the SDK exports spans. */
export function withSpan<T>(name: string, attributes: Record<string, string | number>, work: () => Promise<T>) {
  if (!state.otel) return work();
  return otelTrace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: 2 });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Fields every log line of a traced unit of work carries. */
export function traceLogFields(trace: TraceContext | undefined): Record<string, string> {
  return trace ? { traceId: trace.traceId, spanId: trace.spanId } : {};
}
