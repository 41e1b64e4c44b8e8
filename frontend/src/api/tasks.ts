import { looseApi, unwrap } from './client';
import type { Page, Task } from './contracts';

export interface TaskQuery {
  assignee_id?: string;
  queue?: string;
  status?: string[];
  overdue?: boolean;
  referral_id?: string;
  limit?: number;
  cursor?: string;
}

export async function listTasks(query: TaskQuery): Promise<Page<Task>> {
  return unwrap(await looseApi.GET('/v1/tasks', { params: { query } })) as Page<Task>;
}

/** The ETag to send as If-Match: from the version we hold, or read fresh when the list did not carry one. */
async function currentEtag(task: Task): Promise<string> {
  if (task.version != null) return `"${task.version}"`;
  const res = await looseApi.GET('/v1/tasks/{id}', { params: { path: { id: task.id } } });
  unwrap(res);
  return res.response.headers.get('ETag') ?? '';
}

export async function updateTask(task: Task, changes: Partial<Pick<Task, 'status' | 'assignee_id' | 'queue'>>): Promise<Task> {
  const ifMatch = await currentEtag(task);
  return unwrap(await looseApi.PATCH('/v1/tasks/{id}', {
    params: { path: { id: task.id }, header: { 'If-Match': ifMatch } },
    body: changes,
  })) as Task;
}
