import { ApiProperty, ApiPropertyOptional, OmitType, PickType } from '@nestjs/swagger';
import { AnalysisOptionsDto, ImageInputDto } from '../../image-analysis/dto/analyze-image.dto';
import { BoundingBoxDto, ImageInfoDto, NamedColorDto } from '../../image-analysis/dto/image-analysis-result.dto';

/** The options of /analyze-image that apply here (the analysis types are fixed). */
export class ExtractOptionsDto extends PickType(AnalysisOptionsDto, ['max_labels', 'min_confidence'] as const) {}

/** The /analyze-image JSON input (image_file | media_id, max_labels, min_confidence) without analysis_types. */
export class ExtractAttributesDto extends OmitType(ImageInputDto, ['analysis_types'] as const) {}

export class CategorySourceDto {
  @ApiProperty({ enum: ['labels', 'objects', 'ocr'] }) source!: string;
  @ApiProperty({ example: 'Monitor', description: 'The label, object class or printed word' }) name!: string;
  @ApiProperty({ example: 0.77 }) confidence!: number;
}

export class CategoryMatchDto {
  @ApiProperty({ example: 'Electronics > Computer > Monitor' }) path!: string;
  @ApiProperty({ example: ['Electronics', 'Computer', 'Monitor'] }) levels!: string[];
  @ApiProperty({ example: 'monitor', description: 'The noun a search uses for this category' }) term!: string;
  @ApiProperty({ example: 0.77 }) confidence!: number;
  @ApiProperty({ type: [CategorySourceDto], description: 'What it came from, strongest first' })
  sources!: CategorySourceDto[];
}

export class CategoryDto extends CategoryMatchDto {
  @ApiProperty({ type: [CategoryMatchDto], description: 'Runner-up paths' }) alternatives!: CategoryMatchDto[];
}

export class BackgroundColorDto extends NamedColorDto {
  @ApiProperty({ description: 'True when the plain background is the product colour (flat labels, banners)' })
  kept!: boolean;
}

export class ProductColorsDto {
  @ApiProperty({ type: [NamedColorDto], description: "Dominant colours; fraction = share of the product's area" })
  colors!: NamedColorDto[];
  @ApiPropertyOptional({ type: BackgroundColorDto, nullable: true, description: 'The plain background left out' })
  background!: BackgroundColorDto | null;
  @ApiProperty({ enum: ['object', 'image'], description: "object: measured inside the main object's box" })
  region!: 'object' | 'image';
}

export class QuantityDto {
  @ApiProperty({ example: 27 }) value!: number;
  @ApiProperty({ example: 'in' }) unit!: string;
}

export class ParsedQuantityDto extends QuantityDto {
  @ApiProperty({ enum: ['length', 'volume', 'weight', 'data', 'frequency', 'power', 'battery'] }) kind!: string;
  @ApiProperty({
    type: QuantityDto,
    description: 'length: cm; volume: ml; weight: g; data: GB; frequency: Hz; power: W',
  })
  normalized!: QuantityDto;
  @ApiProperty({ example: '27 inch' }) text!: string;
  @ApiProperty({ example: 0.93 }) confidence!: number;
  @ApiPropertyOptional({ example: 'bare "oz" read as fluid ounces (liquid product)' }) note?: string;
  @ApiPropertyOptional({ example: 'RAM' }) qualifier?: string;
}

export class ParsedDimensionsDto {
  @ApiProperty({ type: [Number], example: [60, 40, 20] }) values!: number[];
  @ApiProperty({ example: 'cm' }) unit!: string;
  @ApiProperty({ example: { values: [60, 40, 20], unit: 'cm' } }) normalized!: { values: number[]; unit: string };
  @ApiProperty() text!: string;
  @ApiProperty() confidence!: number;
}

export class ParsedResolutionDto {
  @ApiProperty({ example: '4K UHD' }) label!: string;
  @ApiProperty({ example: 3840 }) width!: number;
  @ApiProperty({ example: 2160 }) height!: number;
  @ApiProperty({ example: '4K' }) text!: string;
  @ApiProperty() confidence!: number;
}

export class ParsedMaterialDto {
  @ApiProperty({ example: 'cotton' }) material!: string;
  @ApiPropertyOptional({ example: 100 }) percent?: number;
  @ApiProperty({ example: '100% Cotton' }) text!: string;
  @ApiProperty() confidence!: number;
}

export class ParsedSizeDto {
  @ApiProperty({ example: 'M' }) size!: string;
  @ApiProperty({ example: 'letter', description: 'letter, numeric, or a sizing system (EU, US, UK)' }) system!: string;
  @ApiProperty({ example: 'Size M' }) text!: string;
  @ApiProperty() confidence!: number;
}

export class ParsedModelDto {
  @ApiProperty({ example: 'NV-27U' }) model!: string;
  @ApiProperty({ example: 'Model NV-27U' }) text!: string;
  @ApiProperty() confidence!: number;
}

export class BrandCandidateDto {
  @ApiProperty({ example: 'NOVAVIEW' }) brand!: string;
  @ApiProperty({ example: 0.84 }) confidence!: number;
  @ApiProperty({ example: ['not a dictionary word', 'largest text', 'upper case'] }) reasons!: string[];
}

export class TextLineDto {
  @ApiProperty({ example: '27 inch Monitor 4K' }) text!: string;
  @ApiProperty({ example: 0.96 }) confidence!: number;
  @ApiPropertyOptional({ type: BoundingBoxDto }) bounding_box?: BoundingBoxDto;
}

export class ParsedTextDto {
  @ApiProperty({ type: [TextLineDto], description: 'The OCR lines' }) lines!: TextLineDto[];
  @ApiProperty({ type: [ParsedQuantityDto] }) quantities!: ParsedQuantityDto[];
  @ApiProperty({ type: [ParsedDimensionsDto] }) dimensions!: ParsedDimensionsDto[];
  @ApiProperty({ type: [ParsedResolutionDto] }) resolutions!: ParsedResolutionDto[];
  @ApiProperty({ type: [ParsedMaterialDto] }) materials!: ParsedMaterialDto[];
  @ApiProperty({ type: [ParsedSizeDto] }) sizes!: ParsedSizeDto[];
  @ApiProperty({ type: [ParsedModelDto] }) model_numbers!: ParsedModelDto[];
  @ApiProperty({ type: [BrandCandidateDto], description: 'Prominent non-dictionary words, best first' })
  brand_candidates!: BrandCandidateDto[];
}

export class ProductObjectDto {
  @ApiProperty({ example: 'Cup' }) name!: string;
  @ApiProperty({ example: 0.62 }) confidence!: number;
  @ApiPropertyOptional({ type: BoundingBoxDto }) bounding_box?: BoundingBoxDto;
  @ApiPropertyOptional({ example: 'Home & Kitchen > Tableware > Cups & Mugs' }) category?: string;
  @ApiProperty({ description: 'The object the colours are measured on' }) main!: boolean;
}

export class ProductAttributeDto {
  @ApiProperty({
    example: 'screen_size',
    description:
      'category, object, color, secondary_color, brand, model_number, screen_size, length, dimensions, resolution, ' +
      'refresh_rate, clock_speed, frequency, memory, storage_capacity, capacity, volume, weight, power, ' +
      'battery_capacity, material, size',
  })
  key!: string;
  @ApiProperty({ example: '27 inch' }) value!: string;
  @ApiProperty({ example: 0.93 }) confidence!: number;
  @ApiProperty({ enum: ['ocr', 'labels', 'colors', 'objects'] }) source!: string;
  @ApiPropertyOptional({ type: QuantityDto, description: 'Measured values in their normalised unit' })
  normalized?: QuantityDto;
}

export class AttributeResultDto {
  @ApiPropertyOptional({ type: CategoryDto, nullable: true }) category!: CategoryDto | null;
  @ApiProperty({ type: ProductColorsDto }) colors!: ProductColorsDto;
  @ApiProperty({ type: ParsedTextDto }) text!: ParsedTextDto;
  @ApiProperty({ type: [ProductObjectDto] }) objects!: ProductObjectDto[];
  @ApiProperty({ type: [ProductAttributeDto] }) attributes!: ProductAttributeDto[];
  @ApiProperty({ example: 'navy 27 inch 4K monitor NOVAVIEW' }) search_query!: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The underlying analysis (GET /analyze-image/{analysis_id}); absent when the result came from a cache entry ' +
      'another caller made (CACHE_SCOPE=global)',
  })
  analysis_id?: string;
  @ApiProperty({ example: 'local' }) provider!: string;
  @ApiProperty({ example: 'attributes-1' }) extractor_version!: string;
  @ApiProperty({ type: ImageInfoDto }) image!: ImageInfoDto;
  @ApiProperty() sha256!: string;
  @ApiPropertyOptional({ format: 'uuid' }) media_id?: string;
  @ApiProperty({ description: 'True when answered from the attribute cache' }) cached!: boolean;
  @ApiProperty({ description: 'Seconds', example: 1.9 }) processing_time!: number;
  @ApiProperty() created_at!: string;
}
