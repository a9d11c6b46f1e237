/** Jest globalTeardown: stops the S3 server globalSetup started (if it did). */
module.exports = async function globalTeardown() {
  const server = globalThis.__S3_TEST_SERVER__;
  if (server) await server.stop();
};
