import { Module } from '@nestjs/common';
import { ImageAnalysisModule } from '../image-analysis/image-analysis.module';
import { MediaModule } from '../media/media.module';
import { AttributesController } from './attributes.controller';
import { AttributesService } from './attributes.service';

/** POST /extract-attributes: product attributes from a photo, on top of the image analysis. */
@Module({
  imports: [ImageAnalysisModule, MediaModule],
  controllers: [AttributesController],
  providers: [AttributesService],
})
export class AttributesModule {}
