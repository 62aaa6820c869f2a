module.exports = async function globalTeardown() {
  await globalThis.__TRADEGRAPH_SYSTEM__?.stop();
};
