import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { Base64FileField, FilenameField, MediaIdField } from '../../media/upload/media-input.fields';
import { ANALYSIS_TYPES, AnalysisType } from '../image-analysis.types';

/** "labels,text", ["labels","text"] or '["labels","text"]' (multipart fields are strings). */
function toTypeList({ value }: { value: unknown }): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v));
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return toTypeList({ value: JSON.parse(text) as unknown });
    } catch {
      return [text];
    }
  }
  return text
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

function toNumber({ value }: { value: unknown }): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    const parsed = Number(value.trim());
    return Number.isNaN(parsed) ? value : parsed;
  }
  return value;
}

/** Options every way of asking takes (JSON, multipart fields, batch items). */
export class AnalysisOptionsDto {
  @ApiPropertyOptional({
    description: 'What to compute; only these are computed. Default labels, text, objects.',
    enum: ANALYSIS_TYPES,
    isArray: true,
    example: ['labels', 'text', 'objects'],
  })
  @IsOptional()
  @Transform(toTypeList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ANALYSIS_TYPES.length)
  @IsIn(ANALYSIS_TYPES, { each: true })
  analysis_types?: AnalysisType[];

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Most labels returned (default REKOGNITION_MAX_LABELS)',
    minimum: 1,
    maximum: 1000,
  })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(1000)
  max_labels?: number;

  @ApiPropertyOptional({
    description:
      'Drop detections under this confidence, 0..1 (default REKOGNITION_MIN_CONFIDENCE on aws, IMAGE_LOCAL_MIN_CONFIDENCE on local)',
    minimum: 0,
    maximum: 1,
  })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  min_confidence?: number;
}

/** One image given by JSON: its bytes in base64, or the id of a stored media. */
export class ImageInputDto extends AnalysisOptionsDto {
  @Base64FileField('The image, base64-encoded (exactly one of image_file, media_id)')
  image_file?: string;

  @MediaIdField('A stored image (from POST /upload)')
  media_id?: string;

  @FilenameField({ description: 'File name to keep with an image_file' })
  filename?: string;
}

export class AnalyzeImageDto extends ImageInputDto {}

export class AnalyzeBatchDto extends AnalysisOptionsDto {
  @ApiProperty({ type: [ImageInputDto], description: 'The images; options set on an item override the batch ones' })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ImageInputDto)
  items!: ImageInputDto[];
}
