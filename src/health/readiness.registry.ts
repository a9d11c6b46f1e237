import { Injectable } from '@nestjs/common';

export interface ReadinessReport {
  /** true when this part can serve requests now. */
  ready: boolean;
  /** Why not, what is loaded, which packages to install: anything an operator wants to see. */
  [detail: string]: unknown;
}

export type ReadinessCheck = () => Promise<ReadinessReport> | ReadinessReport;

/**
 * Features register what readiness depends on (an engine loaded, a provider configured)
 * without HealthModule having to import them.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  entries(): [string, ReadinessCheck][] {
    return [...this.checks.entries()];
  }
}
