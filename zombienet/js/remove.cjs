// Governance removes a validator (the node named in the arguments): after the
// next session change it leaves the set and authors no more blocks, while its
// node keeps following the chain. Returns 1 when it has stayed silent for two
// rounds of the remaining validators' slots.
const { connect, dev, submit, waitFor, activeValidators } = require('./lib.cjs');

async function run(nodeName, networkInfo, args) {
  const [name] = args;
  const { api } = await connect(networkInfo, nodeName);
  const { api: removedApi } = await connect(networkInfo, name);
  try {
    const removed = dev(name);
    await submit(api, api.tx.sudo.sudo(api.tx.validatorSet.removeValidator(removed.address)), dev('alice'));
    await waitFor(`${name} out of the session's validators`,
      async () => !(await activeValidators(api)).includes(removed.address), 300_000);
    const from = (await api.rpc.chain.getHeader()).number.toNumber();
    const rounds = 2 * (await activeValidators(api)).length;
    await waitFor(`${rounds} more blocks`,
      async () => (await api.rpc.chain.getHeader()).number.toNumber() >= from + rounds, 300_000);
    const authored = (await api.query.validatorSet.authoredBlocks(removed.address)).toNumber();
    if (authored !== 0) throw new Error(`${name} authored ${authored} blocks after leaving the set`);
    const followed = (await removedApi.rpc.chain.getHeader()).number.toNumber();
    if (followed < from) throw new Error(`${name}'s node stopped following the chain at #${followed}`);
    return 1;
  } finally {
    await removedApi.disconnect();
    await api.disconnect();
  }
}

module.exports = { run };
