/**
 * npm run build:shopping-lm [-- --out=models/speech/en-us-shopping.lm.bin] [-- --lambda=0.6] [-- --lambda-elsewhere=0.9]
 *
 * Writes the general en-us model interpolated with a shopping-request model
 * (src/transcription/shopping-lm); point POCKETSPHINX_LM at the file to use it. Needs Debian
 * sphinxbase-utils (sphinx_lm_convert). About 10 s and 0.5 GB of memory.
 */
import { buildShoppingLm, DEFAULT_WEIGHTS } from '../src/transcription/shopping-lm/build';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const modelDir = process.env.POCKETSPHINX_MODEL_DIR || '/usr/share/pocketsphinx/model/en-us';
buildShoppingLm(modelDir, args.out ?? 'models/speech/en-us-shopping.lm.bin', {
  lambda: args.lambda ? Number(args.lambda) : DEFAULT_WEIGHTS.lambda,
  lambdaElsewhere: args['lambda-elsewhere'] ? Number(args['lambda-elsewhere']) : DEFAULT_WEIGHTS.lambdaElsewhere,
});
