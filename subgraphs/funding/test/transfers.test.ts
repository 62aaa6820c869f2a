import { DEVNET_TOKENS } from '@tradegraph/shared';
import { NATIVE_LOG_INDEX, TRANSFER_TOPIC, nativeTransfers, tokenTransfers, type ChainLog } from '../src/domain/transfers';
import { convertAtPrice } from '../src/domain/swaps';

const OURS = '0x1111111111111111111111111111111111111111';
const THEIRS = '0x2222222222222222222222222222222222222222';
const SENDER = '0x3333333333333333333333333333333333333333';
const USDC = DEVNET_TOKENS[0];
const topic = (address: string) => `0x${'0'.repeat(24)}${address.slice(2)}`;
const isOurs = (address: string) => address === OURS;

function log(overrides: Partial<ChainLog>): ChainLog {
  return {
    address: USDC.address,
    topics: [TRANSFER_TOPIC, topic(SENDER), topic(OURS)],
    data: `0x${(2_500_000n).toString(16).padStart(64, '0')}`,
    blockNumber: 7,
    blockHash: '0xBLOCK',
    transactionHash: '0xTX',
    logIndex: 2,
    ...overrides,
  };
}

describe('transfers to deposit addresses', () => {
  it('reads a known token Transfer to one of our addresses', () => {
    expect(tokenTransfers([log({})], DEVNET_TOKENS, isOurs)).toEqual([
      {
        txHash: '0xtx',
        logIndex: 2,
        blockNumber: 7,
        blockHash: '0xblock',
        from: SENDER,
        to: OURS,
        asset: 'USDC',
        tokenAddress: USDC.address.toLowerCase(),
        decimals: 6,
        units: 2_500_000n,
        minimumUnits: 1_000_000n,
      },
    ]);
  });

  it('skips transfers to others, unknown tokens, removed logs, zero amounts and other events', () => {
    const skipped = [
      log({ topics: [TRANSFER_TOPIC, topic(SENDER), topic(THEIRS)] }),
      log({ address: '0x9999999999999999999999999999999999999999' }),
      log({ removed: true }),
      log({ data: `0x${'0'.repeat(64)}` }),
      log({ topics: [`0x${'ab'.repeat(32)}`, topic(SENDER), topic(OURS)] }),
      // An ERC-721 Transfer has the token id as a fourth topic.
      log({ topics: [TRANSFER_TOPIC, topic(SENDER), topic(OURS), `0x${'0'.repeat(63)}1`] }),
    ];
    expect(tokenTransfers(skipped, DEVNET_TOKENS, isOurs)).toEqual([]);
  });

  it('reads coin sent to our addresses from the block transactions', () => {
    const native = { symbol: 'ETH', decimals: 18, minimum: '0.0005' };
    const transfers = nativeTransfers(
      [
        { hash: '0xA', from: SENDER, to: OURS, value: 10n ** 17n, blockNumber: 3, blockHash: '0xB' },
        { hash: '0xC', from: SENDER, to: THEIRS, value: 10n ** 17n, blockNumber: 3, blockHash: '0xB' },
        { hash: '0xD', from: SENDER, to: OURS, value: 0n, blockNumber: 3, blockHash: '0xB' },
        { hash: '0xE', from: SENDER, to: null, value: 5n, blockNumber: 3, blockHash: '0xB' },
      ],
      native,
      isOurs,
    );
    expect(transfers).toEqual([
      expect.objectContaining({ txHash: '0xa', logIndex: NATIVE_LOG_INDEX, asset: 'ETH', tokenAddress: null, units: 10n ** 17n, minimumUnits: 5n * 10n ** 14n }),
    ]);
  });
});

describe('conversion at a reference price', () => {
  it('converts ETH to USDC at the price, less the fee rounded up', () => {
    // 0.5 ETH at 3000: 1500 USDC, fee 30 bps = 4.5.
    expect(convertAtPrice(5n * 10n ** 17n, 18, '3000', false, 30, 6)).toEqual({ delivered: 1_495_500_000n, fee: 4_500_000n });
  });

  it('converts through an inverted market, rounding down what is delivered', () => {
    // 100 USDT at USDC-USDT 1.0004: 99.960015 USDC; fee 0.29988004 → 0.299881.
    expect(convertAtPrice(100_000_000n, 6, '1.0004', true, 30, 6)).toEqual({ delivered: 99_660_134n, fee: 299_881n });
  });

  it('takes no fee at 0 bps and never delivers more than the price allows', () => {
    expect(convertAtPrice(1n, 18, '3000', false, 0, 6)).toEqual({ delivered: 0n, fee: 0n });
    expect(convertAtPrice(10n ** 18n, 18, '0.1234567', false, 0, 6)).toEqual({ delivered: 123_456n, fee: 0n });
  });
});
