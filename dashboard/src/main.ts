// UTC chain's dashboard: connects to a node over WebSocket (`?rpc=ws://…`,
// ws://127.0.0.1:9944 by default) and keeps the open tab current with every
// new best block.

import { connect, readChainInfo, readClasses } from './chain';
import { Context, type View } from './context';
import { h, replace, setOptions } from './dom';
import { TradeLog } from './trades';
import { accountView } from './views/account';
import { classesView } from './views/classes';
import { jobsView } from './views/jobs';
import { marketsView } from './views/markets';
import { providersView } from './views/providers';
import { devAccounts, extensionAccounts, type Account } from './wallet';

const DEFAULT_RPC = 'ws://127.0.0.1:9944';
const ACCOUNT_KEY = 'utc-dashboard-account';

const $ = <T extends HTMLElement>(testid: string) => document.querySelector<T>(`[data-testid="${testid}"]`)!;

async function start() {
  const endpoint = new URLSearchParams(location.search).get('rpc') ?? DEFAULT_RPC;
  const chainLabel = $('chain');
  chainLabel.textContent = `connecting to ${endpoint}…`;
  const api = await connect(endpoint);
  const chain = await readChainInfo(api);
  chainLabel.textContent = `${chain.name} (${chain.type})`;
  chainLabel.title = endpoint;
  api.on('disconnected', () => { chainLabel.dataset.state = 'disconnected'; });
  api.on('connected', () => { delete chainLabel.dataset.state; });

  const ctx = new Context(api, chain, new TradeLog(api), $('tx-status'));
  const views: View[] = [marketsView(ctx), classesView(ctx), providersView(ctx), jobsView(ctx), accountView(ctx)];

  // Tabs: the location's hash names the open one.
  const current = () => views.find((v) => `#${v.id}` === location.hash) ?? views[0];
  replace($('tabs'), views.map((v) => h('a', { href: `#${v.id}`, 'data-testid': `tab-${v.id}` }, v.title)));
  replace($('views'), views.map((v) => v.el));
  const showCurrent = () => {
    const view = current();
    for (const v of views) v.el.hidden = v !== view;
    for (const a of $('tabs').querySelectorAll('a')) a.classList.toggle('active', a.dataset.testid === `tab-${view.id}`);
  };
  showCurrent();

  // One refresh at a time; a block or click meanwhile asks for one more.
  let head = 0;
  let finalized = 0;
  let running: Promise<void> | null = null;
  let again = false;
  const refresh = () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        const view = current();
        try {
          ctx.classes = await readClasses(api);
          await ctx.trades.scanTo(finalized);
          await view.refresh();
          view.el.dataset.block = String(head);
          delete view.el.dataset.error;
        } catch (e) {
          view.el.dataset.error = (e as Error).message;
          console.error(`refreshing ${view.id}`, e);
        }
      } while (again);
      running = null;
    })();
  };
  ctx.onChange = refresh;
  window.addEventListener('hashchange', () => {
    showCurrent();
    refresh();
  });

  // Accounts: dev keys on development chains, and any wallet extension's on request.
  const ss58 = api.registry.chainSS58 ?? 42;
  let accounts: Account[] = chain.isDev ? await devAccounts(ss58) : [];
  const select = $<HTMLSelectElement>('account-select');
  const choose = (address: string) => {
    select.value = address;
    ctx.account = accounts.find((a) => a.address === select.value) ?? null;
  };
  const showAccounts = () => {
    setOptions(select, [{ value: '', label: 'none' },
      ...accounts.map((a) => ({ value: a.address, label: `${a.name} (${a.source})` }))]);
    choose(select.value);
  };
  showAccounts();
  choose(localStorage.getItem(ACCOUNT_KEY) ?? '');
  select.addEventListener('change', () => {
    choose(select.value);
    localStorage.setItem(ACCOUNT_KEY, select.value);
    refresh();
  });
  $('connect-wallet').addEventListener('click', async () => {
    const injected = await extensionAccounts(ss58);
    const button = $<HTMLButtonElement>('connect-wallet');
    button.textContent = injected.length ? `${injected.length} wallet account(s)` : 'no wallet extension found';
    accounts = [...injected, ...accounts.filter((a) => a.source === 'dev')];
    showAccounts();
  });

  const blockLabel = $('block');
  // The trade log follows the finalized blocks; the next refresh reads up to the latest.
  await api.rpc.chain.subscribeFinalizedHeads((header) => {
    finalized = header.number.toNumber();
  });
  await api.rpc.chain.subscribeNewHeads((header) => {
    head = header.number.toNumber();
    blockLabel.textContent = `block #${head}`;
    blockLabel.dataset.block = String(head);
    refresh();
  });
}

start().catch((e) => {
  const label = $('chain');
  label.textContent = `cannot connect: ${(e as Error).message}`;
  label.dataset.state = 'disconnected';
});
