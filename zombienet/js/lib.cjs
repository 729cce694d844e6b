// What the network tests' js-script steps share: a connection to a node of the
// running network, submitting a transaction until it is in a block, and waiting
// for a condition with a timeout.
const { ApiPromise, WsProvider } = require('@polkadot/api');
const { Keyring } = require('@polkadot/keyring');

// The node's API and its provider (for RPC methods the API does not decorate,
// such as author_rotateKeysWithOwner).
async function connect(networkInfo, name) {
  const node = networkInfo.nodesByName[name];
  if (!node) throw new Error(`no node named ${name} in the network`);
  const provider = new WsProvider(node.wsUri);
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  return { api, provider };
}

function dev(name) {
  return new Keyring({ type: 'sr25519' }).addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`);
}

// The end-to-end tests' `submitOk`: in a block, failing (named `what`) on a
// dispatch error and on a sudo call whose inner call failed.
async function submit(api, tx, signer, what = 'transaction') {
  const e2e = await import('../e2e/node.mjs');
  return e2e.submitOk(api, tx, signer, what);
}

// The network tests' wait: polls `check` until it returns a truthy value.
async function waitFor(what, check, timeoutMs) {
  const net = await import('../network/net.mjs');
  return net.waitFor(what, check, timeoutMs);
}

async function activeValidators(api) {
  return (await api.query.session.validators()).map((v) => v.toString());
}

module.exports = { connect, dev, submit, waitFor, activeValidators };
