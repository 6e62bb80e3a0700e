/**
 * `npm run fuzz -- --duration 2m`: a long fuzz campaign over the wire codec and a connected peer
 * machine (the suite runs a short one: test/protocol/fuzz.test.ts, test/endurance/fuzz-peer.test.ts).
 * Any untyped exception, outcome the oracle does not predict, hang or unbounded memory growth is
 * a failure: its input becomes a vector in test/endurance/vectors/, which
 * test/endurance/vectors.test.ts replays. See `npm run fuzz -- --help` and bench/fuzz/.
 */
import { parseArgs, USAGE, UsageError } from './fuzz/args.js';
import { runCampaign } from './fuzz/campaign.js';

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  return runCampaign(options);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
