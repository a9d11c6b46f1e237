import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { access, stat } from 'node:fs/promises';
import { transcriptionConfig, TranscriptionConfig } from '../../config/configuration';
import { MediaService } from '../../media/media.service';
import type { TranscriptResult } from '../transcription.types';
import { decodeWithRouting, SHOPPING_CONFIDENCE_MARGIN, SURE_WITHOUT_SECOND_PASS } from './language-model-routing';
import {
  EngineOutput,
  findExecutable,
  modelPaths,
  PocketsphinxEngine,
  removeStaleWorkDirs,
  SAMPLE_RATE as MODEL_SAMPLE_RATE,
} from './pocketsphinx-engine';
import { TranscribeRequest, Transcriber, TranscriberReadiness, TranscriptionError } from './transcriber.port';
import { audioBand, NARROWBAND_WORD_CONFIDENCE_CURVE, WORD_CONFIDENCE_CURVES } from './word-confidence';

/** Runs of one job when an engine process dies under it (killed, OOM): then the job fails. */
export const ENGINE_ATTEMPTS = 2;

/** Debian packages the local engine needs (named in its readiness, hence in ENGINE_UNAVAILABLE). */
const ENGINE_PACKAGES = ['ffmpeg', 'pocketsphinx', 'pocketsphinx-en-us'];

/**
 * TRANSCRIBE_PROVIDER=local: pocketsphinx with the en-us model, offline. English only; no speaker
 * labels, no custom vocabularies (both are reported as warnings, not errors).
 */
@Injectable()
export class LocalPocketsphinxTranscriber implements Transcriber, OnModuleInit {
  private readonly logger = new Logger(LocalPocketsphinxTranscriber.name);
  readonly name = 'local' as const;
  readonly languages = ['en-US'] as const;
  readonly identifiesLanguage = false;
  private readonly engine: PocketsphinxEngine;
  private availability?: Promise<TranscriberReadiness>;
  private shoppingModel?: Promise<string | undefined>;
  private variant = '';

  constructor(
    @Inject(transcriptionConfig.KEY) private readonly config: TranscriptionConfig,
    private readonly media: MediaService,
  ) {
    this.engine = new PocketsphinxEngine(config.engine);
  }

  /** Work folders (with their FIFOs) that a crashed process left in the temp folder go at start. */
  async onModuleInit(): Promise<void> {
    const removed = await removeStaleWorkDirs();
    if (removed) this.logger.log({ removed }, 'removed engine work folders left by a crashed process');
    this.variant = await this.settingsThatChangeTranscripts();
  }

  resultVariant(): string {
    return this.variant;
  }

  /** Decoder options, language models and confidence curves; a rebuilt shopping model (same path) counts as another. */
  private async settingsThatChangeTranscripts(): Promise<string> {
    const { extraArgs, languageModel } = this.config.engine;
    const shoppingModel = await this.shoppingModelFile();
    const built = shoppingModel
      ? await stat(shoppingModel).then(
          (file) => `${file.size}:${file.mtimeMs}`,
          () => '',
        )
      : '';
    // The routing thresholds and confidence curves too: a result cached before a change would
    // keep the other transcript or the old confidences.
    const routing = {
      margin: SHOPPING_CONFIDENCE_MARGIN,
      sure: SURE_WITHOUT_SECOND_PASS,
      curves: WORD_CONFIDENCE_CURVES,
      narrowband: NARROWBAND_WORD_CONFIDENCE_CURVE,
    };
    return JSON.stringify([extraArgs, languageModel ?? '', shoppingModel ?? '', built, routing]);
  }

  /** Binaries on PATH and model files present; checked once (packages do not come and go). */
  readiness(): Promise<TranscriberReadiness> {
    this.availability ??= this.check();
    return this.availability;
  }

  async transcribe(request: TranscribeRequest): Promise<TranscriptResult> {
    const warnings: string[] = [];
    if (request.options.speaker_count) warnings.push('speaker_count: the local engine does not label speakers');
    if (request.options.vocabulary_name) warnings.push('vocabulary_name: custom vocabularies need the aws provider');
    if (request.options.language_code === 'auto')
      warnings.push('language_code auto: the local engine only knows en-US');
    const sampleRate = request.media.sample_rate;
    // The en-us model needs what lies between 4 and 8 kHz: telephone audio gives mostly wrong
    // words (eval: 200% WER on 8 kHz prompts); their confidences get the narrowband curve.
    const band = audioBand(sampleRate);
    if (band === 'narrowband')
      warnings.push(
        `sample_rate ${sampleRate} Hz: the local engine's model needs ${MODEL_SAMPLE_RATE} Hz audio; narrowband (telephone) audio gives many wrong words (their confidences say so)`,
      );
    const shoppingModel = await this.shoppingModelFile();
    const output = await this.media.withLocalFile(request.media, (path) =>
      decodeWithRouting(
        (languageModel, firstPass) => this.decode(path, request, languageModel, firstPass),
        shoppingModel,
        { band },
      ),
    );
    this.logger.debug({ jobId: request.jobId, languageModel: output.languageModel }, 'decoded');
    const words = output.words;
    const confidence = words.length
      ? Math.round((words.reduce((sum, word) => sum + word.confidence, 0) / words.length) * 1e4) / 1e4
      : 0;
    return {
      transcript: words.map((word) => word.word).join(' '),
      confidence,
      words,
      language_code: 'en-US',
      duration: output.duration,
      ...(warnings.length ? { warnings } : {}),
    };
  }

  /** One decoding pass; a run the engine died under is tried once more (ENGINE_ATTEMPTS). */
  private async decode(
    path: string,
    request: TranscribeRequest,
    languageModel: string | undefined,
    firstPass: boolean,
  ): Promise<EngineOutput> {
    const expected = request.media.duration ?? undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.engine.run({
          path,
          signal: request.signal,
          maxDurationSeconds: this.config.maxDurationSeconds,
          languageModel,
          // A second pass would start the bar again: only the first reports.
          onDecoded: (seconds) => {
            if (expected && firstPass) request.onProgress?.(Math.min(99, Math.floor((seconds / expected) * 100)));
          },
        });
      } catch (error) {
        const died = error instanceof TranscriptionError && error.code === 'EENGINEDIED';
        if (!died || attempt >= ENGINE_ATTEMPTS || request.signal.aborted) throw error;
        this.logger.warn(
          { jobId: request.jobId, attempt, reason: error.message },
          'engine died; running the job again',
        );
      }
    }
  }

  /** POCKETSPHINX_SHOPPING_LM when its file is there (checked once); without it, one general pass. */
  private shoppingModelFile(): Promise<string | undefined> {
    const { shoppingLanguageModel: file, languageModel } = this.config.engine;
    this.shoppingModel ??=
      !file || file === languageModel
        ? Promise.resolve(undefined)
        : access(file).then(
            () => file,
            () => {
              this.logger.warn(
                { file },
                'POCKETSPHINX_SHOPPING_LM is missing (npm run build:shopping-lm): shopping requests get the general model only',
              );
              return undefined;
            },
          );
    return this.shoppingModel;
  }

  private async check(): Promise<TranscriberReadiness> {
    const { ffmpegPath, pocketsphinxPath, modelDir, languageModel } = this.config.engine;
    const missing: string[] = [];
    if (!(await findExecutable(ffmpegPath, this.config.engine.searchPath)))
      missing.push(`${ffmpegPath} (package ffmpeg)`);
    if (!(await findExecutable(pocketsphinxPath, this.config.engine.searchPath)))
      missing.push(`${pocketsphinxPath} (package pocketsphinx)`);
    if (!(await findExecutable('mkfifo', this.config.engine.searchPath))) missing.push('mkfifo (package coreutils)');
    const model = modelPaths(modelDir, languageModel);
    for (const path of [model.hmm, model.lm, model.dict]) {
      try {
        await access(path);
      } catch {
        missing.push(
          path === languageModel
            ? `${path} (POCKETSPHINX_LM: npm run build:shopping-lm)`
            : `${path} (package pocketsphinx-en-us)`,
        );
      }
    }
    // The shopping model only improves requests: without it the engine still works (one pass).
    const shoppingModel = (await this.shoppingModelFile()) ?? null;
    if (missing.length === 0)
      return { ready: true, engine: 'pocketsphinx', model: modelDir, shopping_model: shoppingModel };
    return {
      ready: false,
      reason: `The offline speech engine is not installed: install the Debian packages ${ENGINE_PACKAGES.join(', ')}`,
      engine: 'pocketsphinx',
      missing,
      install: `apt-get install -y --no-install-recommends ${ENGINE_PACKAGES.join(' ')}`,
      packages: ENGINE_PACKAGES,
    };
  }
}
