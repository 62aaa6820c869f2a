// The configuration of one local chain's `hardhat node` (launcher/src/devnet.ts starts it with
// this folder as its working directory and these variables of its own).
const parent = Number(process.env.DEVNET_PARENT_PID);
if (parent) {
  // A node must not outlive whoever started it, even one killed with SIGKILL.
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(0);
    }
  }, 1000).unref();
}

module.exports = {
  networks: {
    hardhat: {
      chainId: Number(process.env.DEVNET_CHAIN_ID),
      // A block per transaction, and one every DEVNET_INTERVAL_MS besides so confirmations grow (0: none).
      mining: { auto: true, interval: Number(process.env.DEVNET_INTERVAL_MS || 0) },
      // Gas is free on the local chains (a base fee of 0 stays 0): a deposit address, which holds
      // only the deposited token, can send the swap provider's transaction (funding's LI-FI adapter).
      initialBaseFeePerGas: 0,
    },
  },
};
