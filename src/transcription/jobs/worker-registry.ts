import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { PeriodicTask } from '../../common/async/periodic-task';
import type { TranscriptionJobRepository, WorkerIdentity } from './transcription-job.repository';

export interface WorkerRegistryOptions {
  /** A heartbeat older than this means its process is gone (for processes on other hosts). */
  ttlMs: number;
  renewMs: number;
}

/**
 * This process's heartbeat in the store, and the liveness of the others: a job held by a live
 * process is never taken over, one held by a dead process is. A process on this host is alive
 * while its pid is (a kill -9 is seen at once); one on another host while its heartbeat is fresh.
 */
export class WorkerRegistry {
  private readonly logger = new Logger(WorkerRegistry.name);
  readonly identity: WorkerIdentity;
  private readonly startedAt = new Date().toISOString();
  private readonly heartbeat: PeriodicTask;

  constructor(
    private readonly jobs: TranscriptionJobRepository,
    private readonly options: WorkerRegistryOptions,
  ) {
    const host = hostname();
    this.identity = { instance: `${host}-${process.pid}-${randomUUID().slice(0, 8)}`, host, pid: process.pid };
    this.heartbeat = new PeriodicTask(
      () => this.renew(),
      options.renewMs,
      (error) => this.logger.warn({ err: error }, 'could not renew the worker heartbeat'),
    );
  }

  get instance(): string {
    return this.identity.instance;
  }

  async start(): Promise<void> {
    await this.renew();
    this.heartbeat.start();
  }

  /** Removes the heartbeat so the jobs this process leaves behind are taken over at once. */
  async stop(): Promise<void> {
    this.heartbeat.stop();
    await this.jobs.deleteHeartbeat(this.instance);
  }

  async isAlive(instance: string): Promise<boolean> {
    if (instance === this.instance) return true;
    const heartbeat = await this.jobs.getHeartbeat(instance);
    if (!heartbeat) return false;
    if (heartbeat.host === this.identity.host && heartbeat.pid !== process.pid) return pidAlive(heartbeat.pid);
    return Date.parse(heartbeat.expires_at) > Date.now();
  }

  private renew(): Promise<void> {
    const now = Date.now();
    return this.jobs.saveHeartbeat({
      ...this.identity,
      started_at: this.startedAt,
      renewed_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.options.ttlMs).toISOString(),
    });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
