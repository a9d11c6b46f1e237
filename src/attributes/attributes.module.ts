import { Module } from '@nestjs/common';
import { ImageAnalysisModule } from '../image-analysis/image-analysis.module';
import { MediaModule } from '../media/media.module';
import { StorageModule } from '../storage/storage.module';
import { AttributeCacheRepository } from './attribute-cache.repository';
import { AttributeRequests } from './attribute-requests.service';
import { AttributesController } from './attributes.controller';
import { AttributesService } from './attributes.service';

/** POST /extract-attributes: product attributes from a photo, on top of the image analysis. */
@Module({
  imports: [ImageAnalysisModule, MediaModule, StorageModule],
  controllers: [AttributesController],
  providers: [AttributeCacheRepository, AttributesService, AttributeRequests],
})
export class AttributesModule {}
