import { Injectable } from '@nestjs/common';
import { ImageSources } from '../image-analysis/sources/image-sources';
import type { MediaInput } from '../media/upload/media-input';
import { AttributeResult, AttributesService } from './attributes.service';
import type { ExtractOptionsDto } from './dto/extract-attributes.dto';

/** POST /extract-attributes as a service call: the image the intake took, with its options. */
@Injectable()
export class AttributeRequests {
  constructor(
    private readonly attributes: AttributesService,
    private readonly sources: ImageSources,
  ) {}

  extract(input: MediaInput<ExtractOptionsDto>): Promise<AttributeResult> {
    const { max_labels, min_confidence } = input.options;
    return this.attributes.extract(this.sources.sourceOf(input.media, input.ingested), { max_labels, min_confidence });
  }
}
