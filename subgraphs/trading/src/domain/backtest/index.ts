export { runBacktest, type BacktestConfig, type BacktestRejection, type BacktestResult, type BacktestTrade } from './run';
export { EquityTracker, WinTracker, type EquityStats } from './metrics';
