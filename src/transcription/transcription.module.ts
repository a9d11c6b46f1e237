import { Module } from '@nestjs/common';

/** Speech to text: asynchronous jobs behind the Transcriber port. */
@Module({})
export class TranscriptionModule {}
