import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { TranscriptionModule } from '../transcription/transcription.module';
import { OpenAiController } from './openai.controller';
import { OpenAiTranscriptionService } from './openai-transcription.service';

/** OpenAI's audio API in front of the transcription jobs (its routes carry their own prefixes). */
@Module({
  imports: [MediaModule, TranscriptionModule],
  controllers: [OpenAiController],
  providers: [OpenAiTranscriptionService],
})
export class OpenAiModule {}
