import { Global, Inject, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { observabilityConfig, ObservabilityConfig } from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import { DEFAULT_PRICE_REGIONS, loadPriceTable } from './aws-prices';
import { mediaMetrics } from './media-metrics';
import { MetricsController } from './metrics.controller';

/**
 * GET /metrics (beside /health, outside /api/v1) and the price
 * table the AWS cost series are computed from (AWS_PRICE_TABLE is validated here, at start).
 */
@Global()
@Module({ controllers: [MetricsController] })
export class MetricsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(MetricsModule.name);

  constructor(
    @Inject(observabilityConfig.KEY) private readonly config: ObservabilityConfig,
    private readonly readiness: ReadinessRegistry,
  ) {
    const prices = loadPriceTable(config.priceTablePath);
    mediaMetrics.configure({ enabled: config.metricsEnabled, prices });
    const builtIn = !config.priceTablePath;
    if (builtIn ? !DEFAULT_PRICE_REGIONS.includes(config.region) : prices.region !== config.region) {
      this.logger.warn(
        { region: config.region, priceTableRegion: builtIn ? DEFAULT_PRICE_REGIONS.join(', ') : prices.region },
        'the AWS price table is not for AWS_REGION: cost figures may be off; set AWS_PRICE_TABLE',
      );
    }
  }

  /** Every readiness check a feature registered is an engine_ready series. */
  onApplicationBootstrap(): void {
    for (const [name, check] of this.readiness.entries()) mediaMetrics.reportEngine(name, check);
  }
}
