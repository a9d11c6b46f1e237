import { Module } from '@nestjs/common';
import { MediaController } from './media.controller';
import { MediaDownloads } from './media-download.service';
import { MediaService } from './media.service';
import { MediaRecordRepository } from './media-record.repository';
import { PresignedUploadService } from './presigned-upload.service';
import { StorageModule } from '../storage/storage.module';

/**
 * Upload, metadata, download, delete and presigned uploads. Other features import this module
 * and use MediaService (ingest / get / openStream / withLocalFile / delete).
 */
@Module({
  imports: [StorageModule],
  controllers: [MediaController],
  providers: [MediaRecordRepository, MediaService, PresignedUploadService, MediaDownloads],
  exports: [MediaService],
})
export class MediaModule {}
