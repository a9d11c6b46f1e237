import { Module } from '@nestjs/common';

/** Labels, objects, text, faces, moderation and colours behind the ImageAnalyzer port. */
@Module({})
export class ImageAnalysisModule {}
