// Accounts that sign: a browser wallet extension's (any injected signer), and on
// a development chain the well-known dev accounts, whose keys are public.
// `send` signs and submits a call and reports how it ended, with a failed
// dispatch's error decoded to its pallet and name.

import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

export interface Account {
  address: string;
  name: string;
  /** `dev` for a key held in the page, otherwise the extension's name. */
  source: string;
  pair?: KeyringPair;
}

const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

export async function devAccounts(ss58Format: number): Promise<Account[]> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format });
  return DEV_NAMES.map((name) => {
    const pair = keyring.addFromUri(`//${name}`, { name });
    return { address: pair.address, name, source: 'dev', pair };
  });
}

/** The accounts of the wallet extensions the user lets this page use; none without one. */
export async function extensionAccounts(ss58Format: number): Promise<Account[]> {
  const extensions = await web3Enable('UTC chain dashboard');
  if (extensions.length === 0) return [];
  const accounts = await web3Accounts({ ss58Format });
  return accounts.map((a) => ({ address: a.address, name: a.meta.name ?? a.address, source: a.meta.source }));
}

export interface Outcome {
  ok: boolean;
  block: number;
  blockHash: string;
  /** The events the call emitted, beyond fees and system ones: `pallet.Name` and fields. */
  events: { name: string; data: Record<string, unknown> }[];
  /** For a failed dispatch: `pallet.Error` and the error's documentation. */
  error?: { name: string; docs: string };
}

const ROUTINE = new Set(['system', 'balances', 'transactionPayment']);

/** Signs `tx` as `account`, submits it and resolves once it is in a block. */
export async function send(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  account: Account,
  onStatus: (status: string) => void,
): Promise<Outcome> {
  const signer = account.pair ?? account.address;
  const options = account.pair ? {} : { signer: (await web3FromAddress(account.address)).signer };
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => void) | null = null;
    let settled = false;
    const settle = (f: () => void) => {
      settled = true;
      unsubscribe?.();
      f();
    };
    tx.signAndSend(signer, options, (result) => {
      const { status, dispatchError, events } = result;
      onStatus(status.type);
      if (status.isInBlock) {
        const blockHash = status.asInBlock.toHex();
        api.rpc.chain.getHeader(blockHash).then((header) => settle(() => {
          let error: Outcome['error'];
          if (dispatchError?.isModule) {
            const meta = api.registry.findMetaError(dispatchError.asModule);
            error = { name: `${meta.section}.${meta.name}`, docs: meta.docs.join(' ') };
          } else if (dispatchError) {
            error = { name: dispatchError.type, docs: dispatchError.toString() };
          }
          resolve({
            ok: !dispatchError,
            block: header.number.toNumber(),
            blockHash,
            events: events
              .filter(({ event }) => !ROUTINE.has(event.section))
              .map(({ event }) => ({
                name: `${event.section}.${event.method}`,
                data: event.data.toHuman() as Record<string, unknown>,
              })),
            error,
          });
        }), (e) => settle(() => reject(e)));
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        settle(() => reject(new Error(`transaction ${status.type.toLowerCase()}`)));
      }
    }).then((u) => {
      if (settled) u();
      else unsubscribe = u;
    }, reject);
  });
}
