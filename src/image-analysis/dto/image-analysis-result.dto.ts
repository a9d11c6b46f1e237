import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ANALYSIS_TYPES } from '../image-analysis.types';

export class BoundingBoxDto {
  @ApiProperty({ description: 'Fraction of the image width', example: 0.18 }) left!: number;
  @ApiProperty({ description: 'Fraction of the image height', example: 0.13 }) top!: number;
  @ApiProperty({ example: 0.65 }) width!: number;
  @ApiProperty({ example: 0.73 }) height!: number;
}

export class LabelDto {
  @ApiProperty({ example: 'Cup' }) name!: string;
  @ApiProperty({ example: 0.62 }) confidence!: number;
  @ApiProperty({ example: ['Tableware', 'Kitchen'] }) parents!: string[];
}

export class DetectedObjectDto {
  @ApiProperty({ example: 'Cup' }) name!: string;
  @ApiProperty({ example: 0.62 }) confidence!: number;
  @ApiProperty({ type: BoundingBoxDto }) bounding_box!: BoundingBoxDto;
}

export class TextDetectionDto {
  @ApiProperty({ example: '27 inch Monitor 4K' }) text!: string;
  @ApiProperty({ example: 0.96 }) confidence!: number;
  @ApiProperty({ type: BoundingBoxDto }) bounding_box!: BoundingBoxDto;
  @ApiProperty({ enum: ['line', 'word'] }) type!: 'line' | 'word';
  @ApiPropertyOptional({ description: 'For a word: index of its line in text_detections' }) parent_index?: number;
}

export class EmotionDto {
  @ApiProperty({ example: 'HAPPY' }) type!: string;
  @ApiProperty({ example: 0.99 }) confidence!: number;
}

export class AgeRangeDto {
  @ApiProperty() low!: number;
  @ApiProperty() high!: number;
}

export class FaceDto {
  @ApiProperty({ example: 0.99 }) confidence!: number;
  @ApiProperty({ type: BoundingBoxDto }) bounding_box!: BoundingBoxDto;
  @ApiPropertyOptional({ type: AgeRangeDto, description: 'Rekognition only: the local age model is not credible' })
  age_range?: AgeRangeDto;
  @ApiPropertyOptional({ type: [EmotionDto] }) emotions?: EmotionDto[];
}

export class ModerationLabelDto {
  @ApiProperty({ example: 'Suggestive' }) name!: string;
  @ApiProperty({ example: '', description: 'Top-level category; "" for a top-level label' }) parent!: string;
  @ApiProperty({ example: 0.85 }) confidence!: number;
}

export class NamedColorDto {
  @ApiProperty({ example: 'navy' }) name!: string;
  @ApiProperty({ example: '#1b2a4a' }) hex!: string;
  @ApiProperty({ example: 0.98, description: 'Share of the foreground (plain background left out)' }) fraction!: number;
}

export class ImageInfoDto {
  @ApiProperty({ example: 800 }) width!: number;
  @ApiProperty({ example: 520 }) height!: number;
  @ApiProperty({ example: 'png' }) format!: string;
}

export class ImageAnalysisResultDto {
  @ApiProperty({ format: 'uuid' }) analysis_id!: string;
  @ApiProperty({ enum: ['completed'] }) status!: 'completed';
  @ApiProperty({ enum: ANALYSIS_TYPES, isArray: true }) analysis_types!: string[];
  @ApiProperty({ example: 10, description: 'As asked, or the default (REKOGNITION_MAX_LABELS)' }) max_labels!: number;
  @ApiProperty({ example: 0.6, description: 'As asked, or the provider default' }) min_confidence!: number;
  @ApiPropertyOptional({ type: [LabelDto] }) labels?: LabelDto[];
  @ApiPropertyOptional({ type: [DetectedObjectDto] }) objects?: DetectedObjectDto[];
  @ApiPropertyOptional({ type: [TextDetectionDto] }) text_detections?: TextDetectionDto[];
  @ApiPropertyOptional({ type: [FaceDto] }) faces?: FaceDto[];
  @ApiPropertyOptional({ type: [ModerationLabelDto] }) moderation_labels?: ModerationLabelDto[];
  @ApiPropertyOptional({ type: [NamedColorDto] }) colors?: NamedColorDto[];
  @ApiPropertyOptional({
    description: 'Engine extras: moderation_decision, moderation_scores, background_color, timings',
  })
  details?: Record<string, unknown>;
  @ApiProperty({ type: ImageInfoDto }) image!: ImageInfoDto;
  @ApiPropertyOptional({ format: 'uuid', description: 'The stored image' }) media_id?: string;
  @ApiPropertyOptional() owner?: string;
  @ApiProperty({ description: 'SHA-256 of the image bytes' }) sha256!: string;
  @ApiProperty({ description: 'Seconds spent on this request', example: 0.41 }) processing_time!: number;
  @ApiProperty({ enum: ['local', 'aws'] }) provider!: string;
  @ApiProperty({ description: 'true when the result came from the cache (same bytes and options)' }) cached!: boolean;
  @ApiProperty() created_at!: string;
}

export class ErrorDto {
  @ApiProperty({ example: 'INVALID_FILE_FORMAT' }) code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

export class BatchItemResultDto {
  @ApiProperty() index!: number;
  @ApiPropertyOptional() filename?: string;
  @ApiProperty({ enum: ['completed', 'failed'] }) status!: 'completed' | 'failed';
  @ApiPropertyOptional({ type: ImageAnalysisResultDto }) result?: ImageAnalysisResultDto;
  @ApiPropertyOptional({ type: ErrorDto }) error?: ErrorDto;
}

export class BatchResultDto {
  @ApiProperty({ format: 'uuid' }) batch_id!: string;
  @ApiPropertyOptional({ description: 'Who ran the batch' }) owner?: string;
  @ApiProperty({ enum: ['in_progress', 'completed', 'failed'], description: 'failed only when it was interrupted' })
  status!: 'in_progress' | 'completed' | 'failed';
  @ApiProperty() total!: number;
  @ApiProperty() succeeded!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [BatchItemResultDto] }) items!: BatchItemResultDto[];
  @ApiProperty() processing_time!: number;
  @ApiProperty() created_at!: string;
  @ApiPropertyOptional({ description: 'Last time the record was written' }) updated_at?: string;
  @ApiPropertyOptional({ type: ErrorDto }) error?: ErrorDto;
}
