// The distance between the node's best and finalized blocks.
const { connect } = require('./lib.cjs');

async function run(nodeName, networkInfo) {
  const { api } = await connect(networkInfo, nodeName);
  try {
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    return best - finalized;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
