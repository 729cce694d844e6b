// Jobs: the latest jobs with their state and the timeline of what happened to them.

import { readRecentJobs, type Job } from '../chain';
import type { Context, View } from '../context';
import { h, replace, table } from '../dom';
import { shortAddress } from '../format';

const LATEST = 30;

/** A job's history as a list of steps: event, block and (for some) who or what. */
export function timeline(job: Job): HTMLElement {
  return h('ol', { class: 'timeline', 'data-testid': 'timeline' },
    job.history.map((step) => h('li', { class: step.event.toLowerCase(), title: step.detail },
      `${step.event} #${step.block}`)));
}

export function jobsTable(ctx: Context, testid: string, jobs: Job[], empty: string): HTMLElement {
  return table(testid, ['Job', 'Owner', 'Class', 'Units', 'SLA modules', 'Workload', 'State', 'Timeline'], jobs,
    (j) => [
      String(j.id), h('span', { title: j.owner }, shortAddress(j.owner)), ctx.symbol(j.cls), ctx.units(j.cls, j.units),
      j.modules.map((m) => `#${m}`).join(' ') || '—', j.kind,
      h('span', { class: `state ${j.state.toLowerCase()}`, title: j.stateDetail }, j.state), timeline(j),
    ],
    (j) => ({ 'data-job': j.id.toString(), 'data-testid': 'job' }), empty);
}

export function jobsView(ctx: Context): View {
  const body = h('div', { class: 'card' });
  const el = h('section', { 'data-testid': 'view-jobs' }, body);
  return {
    id: 'jobs',
    title: 'Jobs',
    el,
    async refresh() {
      const jobs = await readRecentJobs(ctx.api, LATEST);
      replace(body, h('h2', {}, `Latest jobs`), jobsTable(ctx, 'jobs', jobs, 'No job was submitted yet.'));
    },
  };
}
