import { Injectable } from '@nestjs/common';
import { ImageIntake } from '../image-analysis/intake/image-intake';
import type { MediaInput } from '../media/upload/media-input';
import { AttributeResult, AttributesService } from './attributes.service';
import type { ExtractOptionsDto } from './dto/extract-attributes.dto';

/** POST /extract-attributes as a service call: the image the intake took, with its options. */
@Injectable()
export class AttributeRequests {
  constructor(
    private readonly attributes: AttributesService,
    private readonly intake: ImageIntake,
  ) {}

  extract(input: MediaInput<ExtractOptionsDto>): Promise<AttributeResult> {
    const { max_labels, min_confidence } = input.options;
    return this.attributes.extract(this.intake.sourceOf(input.media, input.ingested), { max_labels, min_confidence });
  }
}
