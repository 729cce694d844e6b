// A validator joins, exactly as the README's "Join a network as a validator"
// says: its node makes session keys (author_rotateKeysWithOwner), it registers
// them with session.setKeys, governance adds it, and after the next session
// change it is in the set and authors blocks. Returns 1 once it has authored.
const { connect, dev, submit, waitFor, activeValidators } = require('./lib.cjs');

async function run(nodeName, networkInfo) {
  const { api, provider } = await connect(networkInfo, nodeName);
  try {
    const validator = dev(nodeName);
    const governance = dev('alice');

    const owner = api.createType('AccountId', validator.address).toHex();
    const { keys, proof } = await provider.send('author_rotateKeysWithOwner', [owner]);
    await submit(api, api.tx.session.setKeys(keys, proof), validator);
    await submit(api, api.tx.sudo.sudo(api.tx.validatorSet.addValidator(validator.address)), governance);
    console.log(`${nodeName}: keys registered, added by governance`);

    await waitFor(`${nodeName} in the session's validators`,
      async () => (await activeValidators(api)).includes(validator.address), 300_000);
    console.log(`${nodeName}: in the active set at session ${await api.query.session.currentIndex()}`);
    await waitFor(`${nodeName} to author a block`,
      async () => (await api.query.validatorSet.authoredBlocks(validator.address)).toNumber() > 0, 120_000);
    return 1;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
