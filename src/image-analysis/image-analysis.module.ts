import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { Module } from '@nestjs/common';
import { REKOGNITION_CLIENT } from '../aws/aws.tokens';
import { MediaModule } from '../media/media.module';
import { StorageModule } from '../storage/storage.module';
import { imageAnalysisConfig, ImageAnalysisConfig } from '../config/configuration';
import { jobQueueProvider } from '../queue/job-queue.factory';
import { AnalysisRepository } from './analysis.repository';
import { IMAGE_BATCH_QUEUE, ImageBatchStore } from './batch/image-batch.store';
import { RekognitionImageAnalyzer } from './aws/rekognition-image-analyzer';
import { IMAGE_ANALYZER, ImageAnalyzer } from './image-analyzer';
import { ImageAnalysisController } from './image-analysis.controller';
import { ImageAnalysisService, ITEM_ATTEMPTS, ITEM_RETRY_BASE_MS, ITEM_TIMEOUT_MS } from './image-analysis.service';
import { ImageSources } from './sources/image-sources';
import { ImageAnalysisRequests } from './image-analysis-requests.service';
import { LocalImageAnalyzer } from './local/local-image-analyzer';

/** Labels, objects, text, faces, moderation and colours behind the ImageAnalyzer port. */
@Module({
  imports: [MediaModule, StorageModule],
  controllers: [ImageAnalysisController],
  providers: [
    {
      provide: IMAGE_ANALYZER,
      inject: [imageAnalysisConfig.KEY, REKOGNITION_CLIENT],
      useFactory: (config: ImageAnalysisConfig, rekognition: RekognitionClient | null): ImageAnalyzer => {
        if (config.provider === 'aws') {
          if (!rekognition) throw new Error('IMAGE_ANALYSIS_PROVIDER=aws but no Rekognition client was created');
          return new RekognitionImageAnalyzer(rekognition, config.minConfidence);
        }
        return new LocalImageAnalyzer({
          visionWorkers: config.visionWorkers,
          ocrWorkers: config.ocrWorkers,
          visionMaxSide: 640,
          defaultMinConfidence: config.localMinConfidence,
          models: config.localModels,
        });
      },
    },
    AnalysisRepository,
    ImageBatchStore,
    // Batch items: any replica (or worker) that is free analyses them.
    jobQueueProvider({
      provide: IMAGE_BATCH_QUEUE,
      config: imageAnalysisConfig,
      settings: (config) => ({
        name: 'image-batch',
        concurrency: config.batchConcurrency,
        timeoutMs: ITEM_TIMEOUT_MS,
        // The handler counts transient faults itself; these bound store-fault retries.
        attempts: ITEM_ATTEMPTS + 5,
        backoffMs: ITEM_RETRY_BASE_MS,
      }),
    }),
    ImageAnalysisService,
    ImageSources,
    ImageAnalysisRequests,
  ],
  exports: [ImageAnalysisService, ImageSources],
})
export class ImageAnalysisModule {}
