/**
 * Calls to Oqu's server extension in this Jupyter server (`<base_url>oqu/…`), which asks the LMS with
 * the server's own hub token. ServerConnection adds the XSRF token jupyter_server requires.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface ISubmissionBrief {
  id: number;
  attempt: number;
  status: string;
  status_text: string;
  total: number | null;
  max_total: number | null;
}

export interface IAssignment {
  course: string;
  course_title: string;
  assignment: string;
  title: string;
  folder: string;
  max_attempts: number | null;
  attempts_used: number;
  attempts_left: number | null;
  due: string | null;
  late_now: boolean;
  late_penalty_now: number;
  refusal: string | null;
  latest: ISubmissionBrief | null;
  new_version: boolean;
  new_version_paths: string[];
}

export interface ICellFeedback {
  notebook: string;
  cell: string; // nbgrader's grade id
  label?: string; // the cell's name for people (the instructor's label; lms/grading/cell_names.py)
  score: number | null;
  max_score: number;
  outcome: string | null;
  failed_check: string | null;
  check_message: string | null;
  text: string;
}

export interface IProgress extends ISubmissionBrief {
  course: string;
  assignment: string;
  finished: boolean;
  feedback: ICellFeedback[];
}

/** A refusal or failure: `message` is the LMS's, in the learner's language; empty when the LMS was not reached. */
export class LmsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'oqu', path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new LmsError(0, 'lms_unavailable', '');
  }
  let body: any = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok || body === null) {
    throw new LmsError(response.status, body?.error ?? 'lms_unavailable', body?.message ?? '');
  }
  return body as T;
}

export async function assignmentOf(path: string): Promise<IAssignment | null> {
  const body = await call<{ assignment: IAssignment | null }>(
    'notebook?' + new URLSearchParams({ path }).toString()
  );
  return body.assignment;
}

export async function courseAssignments(course: string): Promise<IAssignment[]> {
  const body = await call<{ assignments: IAssignment[] }>(
    `courses/${encodeURIComponent(course)}/assignments`
  );
  return body.assignments;
}

export function submit(course: string, assignment: string): Promise<IProgress> {
  return call<IProgress>(
    `courses/${encodeURIComponent(course)}/assignments/${encodeURIComponent(assignment)}/submissions`,
    { method: 'POST' }
  );
}

export function progress(id: number): Promise<IProgress> {
  return call<IProgress>(`submissions/${id}`);
}
