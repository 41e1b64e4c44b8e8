import { api, unwrap } from './client';
import type { Page, Task, TaskUpdate } from './contracts';

export interface TaskQuery {
  assignee_id?: string;
  queue?: string;
  status?: Task['status'][];
  overdue?: boolean;
  referral_id?: string;
  limit?: number;
  cursor?: string;
}

export async function listTasks(query: TaskQuery): Promise<Page<Task>> {
  return unwrap(await api.GET('/v1/tasks', { params: { query } })) as Page<Task>;
}

/** The ETag to send as If-Match: from the version we hold, or read fresh when the list did not carry one. */
/** Sends the version we read as If-Match, so a task someone else changed meanwhile is a 412, not an overwrite. */
export async function updateTask(task: Task, changes: Pick<TaskUpdate, 'status' | 'assignee_id' | 'queue'>): Promise<Task> {
  return unwrap(await api.PATCH('/v1/tasks/{task_id}', {
    params: { path: { task_id: task.id }, header: { 'If-Match': `"${task.version}"` } },
    body: changes,
  })) as Task;
}
