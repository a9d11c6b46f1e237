# syntax=docker/dockerfile:1
# media-service: build with dev dependencies, run with production ones only.
# Mirrors the scripts that run on our machines: scripts/install-debian-packages.sh runtime,
# npm ci, npm run build, npm run build:shopping-lm (see scripts/setup.sh and .ci/run).

FROM node:20-bookworm-slim AS build
WORKDIR /app
# The shopping language model is built from the general one (pocketsphinx-en-us) with
# sphinx_lm_convert (sphinxbase-utils): the "build" group.
COPY scripts/debian-packages.txt scripts/install-debian-packages.sh ./scripts/
RUN bash scripts/install-debian-packages.sh build && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY scripts/build-shopping-lm.ts ./scripts/
RUN npm run build && npm run build:shopping-lm && npm prune --omit=dev --no-audit --no-fund
# Production node_modules measured at 662 MB; 241 MB are source maps and 17 MB the browser bundles
# of @tensorflow/tfjs (Node loads dist/tf.node.js, which requires tfjs-core and the backends):
# both go, leaving about 404 MB.
RUN find node_modules -name '*.map' -type f -delete \
    && cd node_modules/@tensorflow/tfjs/dist \
    && rm -f tf.js tf.min.js tf.es2017.js tf.es2017.min.js tf.fesm.js tf.fesm.min.js tf.*.min.js.html

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
COPY scripts/debian-packages.txt scripts/install-debian-packages.sh ./scripts/
RUN bash scripts/install-debian-packages.sh runtime && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=8001 \
    DATA_DIR=/data
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/models ./models
RUN groupadd --system media && useradd --system --gid media --home /app media \
    && mkdir -p /data && chown media:media /data
USER media
VOLUME ["/data"]
EXPOSE 8001
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8001)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
