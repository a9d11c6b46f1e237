/**
 * Jest globalSetup: starts the real S3 server (radosgw) once for the run and hands its settings
 * to the test workers through the environment (S3_TEST_*). If it cannot start, the run fails:
 * the S3 driver is never silently skipped. Configured on the e2e project only, so a run of the
 * unit tests alone does not start it.
 */
const { startS3Server, prepareBucket } = require('./s3-server');

module.exports = async function globalSetup() {
  if (process.env.S3_TEST_ENDPOINT) return; // a server the caller started
  const started = Date.now();
  const server = await startS3Server();
  globalThis.__S3_TEST_SERVER__ = server;
  const bucket = 'media-service-test';
  await prepareBucket(server, bucket);
  Object.assign(process.env, {
    S3_TEST_ENDPOINT: server.endpoint,
    S3_TEST_ACCESS_KEY_ID: server.accessKeyId,
    S3_TEST_SECRET_ACCESS_KEY: server.secretAccessKey,
    S3_TEST_REGION: server.region,
    S3_TEST_BUCKET: bucket,
  });
  process.stderr.write(`\nradosgw S3 server up at ${server.endpoint} in ${Date.now() - started} ms\n`);
};
