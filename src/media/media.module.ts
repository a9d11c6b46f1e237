import { Module } from '@nestjs/common';
import { StorageModule } from './storage/storage.module';

/** Upload, metadata, download, delete and presigned uploads (see the storage issue). */
@Module({
  imports: [StorageModule],
})
export class MediaModule {}
